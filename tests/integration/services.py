"""The real services the integration tests run on loopback: PostgreSQL and Redis, from Debian's packages.

Each server is a throwaway instance in a temp dir on 127.0.0.1:<free port>, stopped and removed
afterwards; nothing uses the packages' system services. A missing package is installed with apt only
as root with ``CI`` set (``.ci/run`` installs both up front), otherwise the test is skipped with the
command to run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.support.http import free_port
from tests.support.processes import stop

T = TypeVar("T")


def ensure_debian_package(package: str, find: Callable[[], T | None]) -> T:
    """What ``find`` returns once ``package`` is installed; apt installs it only as root under CI."""
    found = find()
    if found is not None:
        return found
    if os.geteuid() != 0 or not os.environ.get("CI"):
        pytest.skip(f"{package} is not installed (apt-get install {package}); the test installs it only as root in CI")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env, timeout=900)
    found = find()
    assert found is not None, f"apt-get installed {package} but its server binary is not there"
    return found


# --- PostgreSQL ------------------------------------------------------------------------------------


def pg_bin_dir() -> Path | None:
    """Debian keeps the server binaries in /usr/lib/postgresql/<major>/bin (not on PATH)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def ensure_postgres() -> Path:
    """The server binaries' directory (Airflow's PostgreSQL drivers must be installed too)."""
    missing = [m for m in ("psycopg2", "asyncpg") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(
            f"Airflow's PostgreSQL drivers are not installed ({', '.join(missing)}): "
            "add psycopg2-binary and asyncpg to the dev dependencies"
        )
    return ensure_debian_package("postgresql", pg_bin_dir)


@dataclass
class Postgres:
    url: str  # SQLAlchemy URL (Airflow's metadata DB)
    dsn: str  # libpq DSN (psycopg2, for the test's own queries)
    port: int


@contextlib.contextmanager
def postgres_cluster(bin_dir: Path) -> Iterator[Postgres]:
    """A new cluster in a temp dir on 127.0.0.1:<free port>, trust auth, removed afterwards.

    Why ``runuser``: initdb and postgres refuse to run as root; Debian's package creates ``postgres``.
    """
    root = Path(tempfile.mkdtemp(prefix="defcorpus-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    data, log, port = root / "data", root / "server.log", free_port()
    try:
        subprocess.run(
            [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "airflow", "-A", "trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=200"
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        try:
            subprocess.run(
                [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "airflow", "airflow"],
                check=True,
                capture_output=True,
                timeout=60,
            )
            yield Postgres(
                f"postgresql+psycopg2://airflow@127.0.0.1:{port}/airflow",
                f"host=127.0.0.1 port={port} user=airflow dbname=airflow",
                port,
            )
        finally:
            subprocess.run(
                [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                timeout=120,
                check=False,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def query(pg: Postgres, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg2  # only with the integration extras installed

    with contextlib.closing(psycopg2.connect(pg.dsn)) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


# --- Redis -----------------------------------------------------------------------------------------


def redis_server_binary() -> Path | None:
    found = shutil.which("redis-server")
    return Path(found) if found else None


def ensure_redis() -> Path:
    if importlib.util.find_spec("redis") is None:
        pytest.skip("the redis client is not installed: it comes with the airflow extra (make setup)")
    return ensure_debian_package("redis-server", redis_server_binary)


@contextlib.contextmanager
def redis_server(binary: Path) -> Iterator[str]:
    """A Redis on 127.0.0.1:<free port>, nothing persisted, stopped afterwards; yields its URL."""
    import redis  # the airflow extra's client, which Celery's broker transport uses too

    root, port = Path(tempfile.mkdtemp(prefix="defcorpus-redis-")), free_port()
    args = ["--bind", "127.0.0.1", "--port", str(port), "--dir", str(root), "--save", "", "--appendonly", "no"]
    with (root / "server.log").open("wb") as log:
        proc = subprocess.Popen([str(binary), *args], stdout=log, stderr=subprocess.STDOUT)
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                log_text = (root / "server.log").read_text(errors="replace")
                assert proc.poll() is None, f"redis-server exited ({proc.returncode}):\n{log_text}"
                assert time.monotonic() < deadline, f"redis-server did not answer PING in 30 s:\n{log_text}"
                time.sleep(0.1)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)
        shutil.rmtree(root, ignore_errors=True)

"""Airflow for real on one machine: PostgreSQL metadata DB, LocalExecutor, scheduler + DAG processor +
API server as separate processes, two sites crawled in parallel and cleaned, against the S3 server.

Setup: PostgreSQL from Debian's packages (installed by the test only as root under CI, otherwise the
test is skipped when it is missing), a throwaway cluster on 127.0.0.1 in a temp dir, ``airflow db
migrate``, the crawl pools from ``python -m defcorpus.orchestration pools``. Two copies of the mini-site
serve two site configs (``DEFCORPUS_SITES_DIR``) on 127.0.0.1 and 127.0.0.2, so their crawls fall
in two publisher pools and may run at once. Both crawl DAGs are triggered together; their raw Assets
trigger ``defcorpus_clean``. The test then checks that the crawls overlapped in time, every run
succeeded, each WARC file was consumed by exactly one batch, and the corpus equals a single-process
crawl and clean of the same two sites (cleaned in the same site order, which near-duplicate grouping
depends on: the two sites carry the same articles).

Run alone: ``pytest -m integration tests/integration`` (2–2.5 minutes on the 2-core machine type).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import corpus
from corpus.manifest import Manifest
from corpus.store import Store, open_store
from corpus.table import read_manifests
from crawlers.sites import SITES_DIR, load_site_file
from defcorpus.clean import clean_site, pending_warc_keys
from defcorpus.crawl_job import crawl_site
from defcorpus.minisite import facts, serve
from tests.s3_server import S3Server

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
SITES = {"minia": "127.0.0.1", "minib": "127.0.0.2"}  # two hosts: two publisher pools
LOOPBACK_CRAWL = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
PROVENANCE = {"warc_file", "warc_record_id", "fetched_at"}
RUN_TIMEOUT_S = 420
DAG_IDS = {"crawl_minia", "crawl_minib", "defcorpus_clean"}


# --- PostgreSQL ------------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def pg_bin_dir() -> Path | None:
    """Debian keeps the server binaries in /usr/lib/postgresql/<major>/bin (not on PATH)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def ensure_postgres() -> Path:
    """The server binaries; installed from Debian's packages only as root under CI, else a skip."""
    missing = [m for m in ("psycopg2", "asyncpg") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(
            f"Airflow's PostgreSQL drivers are not installed ({', '.join(missing)}): "
            "add psycopg2-binary and asyncpg to the dev dependencies"
        )
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        if os.geteuid() != 0 or not os.environ.get("CI"):
            pytest.skip(
                "PostgreSQL server not installed (apt-get install postgresql); the test installs it "
                "itself only as root with CI set"
            )
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env, timeout=900)
        bin_dir = pg_bin_dir()
        assert bin_dir is not None, "apt-get installed postgresql but initdb is not there"
    return bin_dir


@dataclass
class Postgres:
    url: str
    dsn: str


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


# --- Airflow ---------------------------------------------------------------------------------------


def write_sites(directory: Path, base_urls: dict[str, str]) -> None:
    """The mini-site's config under two names and addresses (DEFCORPUS_SITES_DIR)."""
    source = (SITES_DIR / "demo" / "minisite.toml").read_text()
    for name, base_url in base_urls.items():
        text = source.replace('name = "minisite"', f'name = "{name}"')
        text = text.replace('base_url = "http://127.0.0.1:8045/"', f'base_url = "{base_url}/"')
        assert text.count(name) >= 1 and base_url in text
        (directory / f"{name}.toml").write_text(text)


class Airflow:
    """The Airflow processes this test starts, each in its own process group, with logs in files."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home, self.env = home, env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def cli(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, f"airflow {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def cli_parallel(self, *commands: tuple[str, ...], timeout: float = 180) -> None:
        """Several CLI commands at once (each pays Airflow's import, about 5 s)."""
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "airflow", *args],
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for args in commands
        ]
        for args, proc in zip(commands, procs, strict=True):
            out, _ = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, f"airflow {' '.join(args)} failed:\n{out}"

    def start(self, name: str, *args: str) -> None:
        with (self.home / f"{name}.log").open("wb") as log:  # the child keeps its own copy of the fd
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "airflow", *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            assert proc.poll() is None, f"airflow {name} exited ({proc.returncode}):\n{self.log_tail(name)}"

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.home / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        """SIGINT first (LocalExecutor workers survive a SIGTERM to the scheduler), then the group."""
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            with contextlib.suppress(ProcessLookupError):  # leftover children of that group
                os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class Outcome:
    wall_seconds: float
    runs: list[tuple[str, str, str]]  # dag_id, run_type, state
    crawl_spans: dict[str, tuple[datetime, datetime]]
    manifests: list[Manifest]
    warc_keys: list[str]
    articles: list[dict[str, Any]]
    reference: list[dict[str, Any]]


def content(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({k: v for k, v in r.items() if k not in PROVENANCE} for r in rows), key=lambda r: r["id"])


def wait_for(what: str, check: Any, airflow: Airflow, timeout: float, step: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        airflow.check_alive()
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            tails = "\n\n".join(f"--- {n}\n{airflow.log_tail(n)}" for n in airflow.procs)
            raise AssertionError(f"timed out waiting for {what}\n{tails}")
        time.sleep(step)


def all_warc_keys(store: Store) -> list[str]:
    return sorted(k for site in SITES for k in store.list(f"raw/site={site}/") if k.endswith(".warc.gz"))


@pytest.fixture(scope="module")
def outcome(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    bin_dir = ensure_postgres()
    started = time.monotonic()
    tmp = tmp_path_factory.mktemp("airflow-pg")
    buckets = {"airflow": "defcorpus-airflow-pg", "single": "defcorpus-airflow-ref"}
    for bucket in buckets.values():
        s3_server.client.create_bucket(Bucket=bucket)
    endpoint = s3_server.endpoint_url
    stores = {k: open_store(f"s3://{b}/corpus", s3_endpoint_url=endpoint) for k, b in buckets.items()}

    with contextlib.ExitStack() as stack:
        servers = {name: stack.enter_context(serve(host)) for name, host in SITES.items()}
        sites_dir = tmp / "sites"
        sites_dir.mkdir()
        write_sites(sites_dir, {name: server.base_url for name, server in servers.items()})
        pg = stack.enter_context(postgres_cluster(bin_dir))
        home, api_port = tmp / "home", free_port()
        home.mkdir()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": "defcorpus-integration-test-" + "0" * 48,  # >= 64 bytes for HS512
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": pg.url,
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "DEFCORPUS_SITES_DIR": str(sites_dir),
            "DEFCORPUS_STORE": stores["airflow"].url,
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(
                {
                    "conn_type": "aws",
                    "login": "testing",
                    "password": "testing",
                    "extra": {"endpoint_url": endpoint, "region_name": "us-east-1"},
                }
            ),
        }
        airflow = Airflow(home, env)
        stack.callback(airflow.stop)
        airflow.cli("db", "migrate", timeout=300)
        pools = subprocess.run(
            [sys.executable, "-m", "defcorpus.orchestration", "pools"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert set(json.loads(pools)) == {"crawl_127.0.0.1", "crawl_127.0.0.2"}
        (home / "pools.json").write_text(pools)
        airflow.cli("pools", "import", str(home / "pools.json"))

        airflow.start("api-server", "api-server", "--port", str(api_port), "--host", "127.0.0.1")
        airflow.start("dag-processor", "dag-processor")
        airflow.start("scheduler", "scheduler")
        wait_for(
            "the DAGs to be parsed",
            lambda: {r[0] for r in query(pg, "SELECT dag_id FROM dag")} >= DAG_IDS,
            airflow,
            timeout=180,
        )
        assert query(pg, "SELECT filename, stacktrace FROM import_error") == []

        conf = json.dumps({"since": "2000-01-01", "until": "2100-01-01", "scrapy_settings": LOOPBACK_CRAWL})
        airflow.cli("dags", "unpause", "-y", "--treat-dag-id-as-regex", "^(crawl_mini[ab]|defcorpus_clean)$")
        airflow.cli_parallel(*[("dags", "trigger", f"crawl_{site}", "--conf", conf) for site in SITES])

        def settled() -> bool:
            """Every run finished (a failed one ends the wait: the tests below report it)."""
            if query(pg, "SELECT count(*) FROM dag_run WHERE state = 'failed'")[0][0]:
                return True
            active = query(pg, "SELECT count(*) FROM dag_run WHERE state IN ('queued', 'running')")[0][0]
            crawled = query(pg, "SELECT count(*) FROM dag_run WHERE run_type = 'manual' AND state = 'success'")[0][0]
            return (
                active == 0
                and crawled == len(SITES)
                and not any(pending_warc_keys(stores["airflow"], site) for site in SITES)
            )

        wait_for("the crawl and cleaning runs", settled, airflow, timeout=RUN_TIMEOUT_S, step=2.0)
        wall = time.monotonic() - started
        runs = [tuple(r) for r in query(pg, "SELECT dag_id, run_type, state FROM dag_run ORDER BY id")]
        spans = {
            dag_id: (start, end)
            for dag_id, start, end in query(
                pg,
                "SELECT dag_id, start_date, end_date FROM task_instance WHERE task_id = 'crawl' "
                "AND run_id IN (SELECT run_id FROM dag_run WHERE run_type = 'manual')",
            )
        }

        airflow.stop()
        # The reference: one process, the same two sites (same servers, same URLs) crawled one after the
        # other, cleaned in the order the Airflow run published them (near-duplicate links between the
        # two sites, which carry the same articles, depend on that order).
        for name in SITES:
            crawl_site(
                stores["single"].url,
                load_site_file(sites_dir / f"{name}.toml"),
                s3_endpoint_url=endpoint,
                settings=LOOPBACK_CRAWL,
            )
    airflow_manifests = read_manifests(stores["airflow"])
    by_batch = sorted(airflow_manifests, key=lambda m: m.batch_id)
    for name in dict.fromkeys(m.site for m in by_batch if m.articles):
        clean_site(stores["single"], load_site_file(sites_dir / f"{name}.toml"))

    yield Outcome(
        wall_seconds=wall,
        runs=runs,
        crawl_spans=spans,
        manifests=airflow_manifests,
        warc_keys=all_warc_keys(stores["airflow"]),
        articles=corpus.open(stores["airflow"]).articles(latest=False).to_pylist(),
        reference=corpus.open(stores["single"]).articles(latest=False).to_pylist(),
    )


def test_every_run_succeeded(outcome: Outcome) -> None:
    print(f"\nAirflow + PostgreSQL integration run: {outcome.wall_seconds:.0f} s from cluster start to settled")
    assert outcome.runs, "no DAG runs"
    assert {state for _, _, state in outcome.runs} == {"success"}, outcome.runs
    dags = Counter(dag_id for dag_id, _, _ in outcome.runs)
    assert dags["crawl_minia"] >= 1 and dags["crawl_minib"] >= 1 and dags["defcorpus_clean"] >= 1


def test_the_two_crawls_ran_in_parallel(outcome: Outcome) -> None:
    (a_start, a_end), (b_start, b_end) = outcome.crawl_spans["crawl_minia"], outcome.crawl_spans["crawl_minib"]
    assert a_start < b_end and b_start < a_end, outcome.crawl_spans


def test_each_warc_file_was_cleaned_by_exactly_one_batch(outcome: Outcome) -> None:
    consumed = Counter(key for m in outcome.manifests for key in m.inputs)
    assert set(consumed) == set(outcome.warc_keys)
    assert set(consumed.values()) == {1}


def test_both_sites_are_in_the_corpus_once(outcome: Outcome) -> None:
    per_site = Counter(a["site"] for a in outcome.articles)
    assert per_site == dict.fromkeys(SITES, len(facts.article_paths()))
    assert len({a["id"] for a in outcome.articles}) == len(outcome.articles)


def test_the_corpus_equals_a_single_process_run(outcome: Outcome) -> None:
    assert content(outcome.articles) == content(outcome.reference)

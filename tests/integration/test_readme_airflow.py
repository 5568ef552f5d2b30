"""README's "Running on Airflow" lines, run as a user runs them: the backfill's runs finish and publish.

Before, every run stayed queued: the DAGs start paused and nothing served the mini-site; the
backfill made 92 daily runs; ``pools.json`` landed in the checkout. The lines run as written in a
scratch directory (its ``dags`` a link to the repository's), with two changes a shared machine needs:
the mini-site's port and the api-server's port are free ones, not 8045 and 8080.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import corpus
from tests.support.http import free_port

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DEADLINE_S = 900


def readme_airflow_block() -> str:
    block = re.search(r"<!-- airflow -->\n```sh\n(.*?)```", README.read_text(), re.S)
    assert block, "README lost its Airflow block"
    return block.group(1)


def backfill_runs(db: Path) -> list[tuple[str, str]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT run_type, state FROM dag_run WHERE dag_id = 'crawl_minisite'").fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        return []
    return [(str(kind), str(state)) for kind, state in rows]


def wait_for_runs(db: Path, script: subprocess.Popen[bytes], log: Path) -> list[tuple[str, str]]:
    """The crawl DAG's runs once none is queued or running, and the clean DAG has none left either."""
    start = time.monotonic()
    while time.monotonic() - start < DEADLINE_S:
        runs = backfill_runs(db)
        if len(runs) >= 4 and all(state in ("success", "failed") for _, state in runs):
            with sqlite3.connect(db) as conn:
                busy = conn.execute("SELECT count(*) FROM dag_run WHERE state IN ('queued', 'running')").fetchone()[0]
            if not busy:
                return runs
        if script.poll() not in (None, 0):
            pytest.fail(f"the README's lines failed ({script.returncode}):\n{log.read_text()[-3000:]}")
        time.sleep(5)
    pytest.fail(f"runs not finished after {DEADLINE_S} s: {backfill_runs(db)}\n{log.read_text()[-3000:]}")


def stop(script: subprocess.Popen[bytes]) -> None:
    """SIGINT to the whole group first (standalone's LocalExecutor workers survive a SIGTERM), then kill."""
    for sig, wait_s in ((signal.SIGINT, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(script.pid, sig)
        except ProcessLookupError:
            return
        try:
            script.wait(wait_s)
        except subprocess.TimeoutExpired:
            continue


@pytest.mark.integration
@pytest.mark.readme  # `make test-readme-airflow`: minutes of `airflow standalone`, outside CI's budget
@pytest.mark.timeout(DEADLINE_S + 600)  # each airflow CLI call starts in ~10-30 s, then the runs
def test_readme_airflow_lines_crawl_and_publish_three_months(tmp_path: Path) -> None:
    site_port, api_port = free_port(), free_port()
    (tmp_path / "dags").symlink_to(REPO / "dags")
    block = readme_airflow_block().replace("8045", str(site_port)).replace("8080", str(api_port))
    # Keep the shell alive after the last line, so its background jobs (mini-site, standalone) live on
    # until the runs are done; the test then stops the whole group.
    script = f"set -ex\n{block}\nwait\n"  # -x: the log names the line that failed
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__CORE__PARALLELISM": "4",
    }
    env.pop("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", None)  # the default (paused), as a user has it
    log = tmp_path / "readme-airflow.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "-c", script], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        runs = wait_for_runs(tmp_path / ".airflow" / "airflow.db", proc, log)
    finally:
        stop(proc)
    # Unpausing also starts one scheduled run, for the latest complete month: it finds nothing there.
    assert sorted(runs) == [("backfill", "success")] * 3 + [("scheduled", "success")], log.read_text()[-3000:]
    assert (tmp_path / ".airflow" / "pools.json").is_file()
    assert not (tmp_path / "pools.json").exists() and not (REPO / "pools.json").exists()
    articles = corpus.open(str(tmp_path / "defcorpus-data")).articles().to_pylist()
    months = sorted({a["month"] for a in articles})
    assert months == ["2022-11", "2022-12", "2023-01"] and all(a["site"] == "minisite" for a in articles)

"""Airflow with Celery for real on one machine: PostgreSQL metadata DB, Redis broker, scheduler,
DAG processor, api-server and two Celery workers, each its own process with its own working
directory, AIRFLOW_HOME, temp dir and hostname; three sites crawled and cleaned through the DAGs in
``dags/`` against the S3 server; one worker SIGKILLed mid-crawl.

The executor runs with the settings the deployment files carry (``celery_settings.DEPLOYED``), its
waits shortened (``SHORTENED_FOR_THE_TEST``). Three copies of the mini-site on 127.0.0.1-3 make three
publisher pools, so the three crawls run at once, spread over both workers. When both workers have
run a task and one is in the middle of a crawl (its Scrapy child running), that worker and every
process it started are killed at once, as a lost machine would be. Once the crawls are done the
cleaning DAG is triggered once: the scheduler's own schedules are off (``use_job_schedule``), as
unpausing would also start every crawl DAG's latest interval; Asset triggering is covered by
``test_airflow_postgres.py``. The test then checks that the killed tries failed by heartbeat timeout
and were retried on the other worker, every run succeeded, each WARC file was consumed by exactly one
batch, every article is in the corpus exactly once, and the corpus equals an undisturbed
single-process crawl and clean of the same sites (ids, content hashes and every other field but
provenance; cleaned in the order the Airflow run published, which near-duplicate grouping depends
on: the three sites carry the same articles).

Run alone: ``pytest -m integration tests/integration/test_airflow_celery.py``. About 170 s of CPU;
7.3 min of wall time on the 2-core machine while eight other test runs loaded it (load average 14).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from corpus.manifest import Manifest
from tests.integration import celery_settings
from tests.integration.airflow_procs import (
    Airflow,
    command_line,
    content,
    import_pools,
    process_tree,
    stage_sites,
    wait_for,
)
from tests.integration.services import (
    Postgres,
    ensure_postgres,
    ensure_redis,
    postgres_cluster,
    query,
    redis_server,
)
from tests.integration.worker_hostname import HOSTNAME_ENV
from tests.support import minisite_facts as facts
from tests.support.crawling import NO_PACING
from tests.support.http import free_port
from tests.support.s3 import S3Server

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
SITES = {"celerya": "127.0.0.1", "celeryb": "127.0.0.2", "celeryc": "127.0.0.3"}  # three publisher pools
WORKERS = ("worker-a", "worker-b")
WORKER_CONCURRENCY = 2  # processes per worker: 4 slots for 3 crawls, so each worker gets one
RUN_TIMEOUT_S = 300
DAG_IDS = {*(f"crawl_{site}" for site in SITES), "defcorpus_clean"}
TRIES_SQL = (
    "SELECT dag_id, task_id, run_id, map_index, try_number, hostname, state, start_date FROM {table}"
    " WHERE start_date IS NOT NULL"
)


@dataclass(frozen=True)
class Try:
    dag_id: str
    task_id: str
    run_id: str
    map_index: int
    try_number: int
    hostname: str
    state: str
    start_date: datetime

    @property
    def task(self) -> tuple[str, str, str, int]:
        return self.dag_id, self.task_id, self.run_id, self.map_index


@dataclass
class Outcome:
    wall_seconds: float
    phases: dict[str, float]  # seconds from the start at which each phase ended
    runs: list[tuple[str, str, str]]  # dag_id, run_type, state
    tries: list[Try]  # every try that started: task_instance and task_instance_history
    victim: str
    killed_at: datetime
    survivors_of_the_kill: list[str]  # command lines of killed processes still alive afterwards
    manifests: list[Manifest]
    warc_keys: list[str]
    articles: list[dict[str, Any]]
    reference: list[dict[str, Any]]


def airflow_env(home: Path, pg: Postgres, broker_url: str, api_port: int, extra: dict[str, str]) -> dict[str, str]:
    """What every component sees: the deployed executor settings, the test's shorter waits, loopback."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__PARALLELISM": str(len(WORKERS) * WORKER_CONCURRENCY),  # the slots, as deployed
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": "defcorpus-integration-test-" + "0" * 48,  # >= 64 bytes for HS512
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": pg.url,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + pg.url,  # the metadata DB, through psycopg2 as well
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(WORKER_CONCURRENCY),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        # Only the runs the test triggers: unpausing would also start each crawl DAG's latest interval.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",  # loopback only: the test's REST calls
        **celery_settings.DEPLOYED,
        **celery_settings.SHORTENED_FOR_THE_TEST,
        **extra,
    }


def start_worker(airflow: Airflow, name: str, root: Path) -> None:
    """A Celery worker as on a machine of its own: its own directory, AIRFLOW_HOME, temp dir, hostname."""
    home, tmp = root / name / "airflow-home", root / name / "tmp"
    home.mkdir(parents=True)
    tmp.mkdir()
    airflow.start(
        name,
        *("celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", str(WORKER_CONCURRENCY)),
        env={
            "AIRFLOW_HOME": str(home),
            "TMPDIR": str(tmp),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.integration.worker_hostname.hostname",
            HOSTNAME_ENV: name,
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        },
        cwd=root / name,
    )


def victim_mid_crawl(airflow: Airflow, pg: Postgres) -> str | None:
    """The worker to kill: both have run a task, its crawl child runs, and no task is queued.

    Why nothing queued: a worker that has taken a task's message but not started it yet would leave
    the task queued until ``task_queued_timeout`` (10 min), not failed by the heartbeat timeout.
    """
    ran = {h for (h,) in query(pg, "SELECT DISTINCT hostname FROM task_instance WHERE hostname <> ''")}
    waiting = query(pg, "SELECT count(*) FROM task_instance WHERE state = 'queued'")[0][0]
    if ran != set(WORKERS) or waiting:
        return None
    crawling = {
        h for (h,) in query(pg, "SELECT hostname FROM task_instance WHERE task_id = 'crawl' AND state = 'running'")
    }
    for worker in WORKERS:
        tree = process_tree(airflow.procs[worker].pid)
        if worker in crawling and any(" -m crawlers " in command_line(pid) for pid in tree):
            return worker
    return None


def api(base_url: str, method: str, path: str, body: dict[str, Any]) -> Any:
    """One call to the api-server's REST API (every caller is admin: ``simple_auth_manager_all_admins``).

    Why not the CLI: each ``airflow`` command pays Airflow's import, 5-10 s of CPU on this machine.
    """
    request = urllib.request.Request(
        f"{base_url}/api/v2{path}",
        method=method,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{method} {path}: HTTP {exc.code}: {exc.read().decode(errors='replace')}") from None


def answers(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/api/v2/monitor/health", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def trigger(base_url: str, dag_id: str, conf: dict[str, Any] | None = None) -> None:
    api(base_url, "PATCH", f"/dags/{dag_id}", {"is_paused": False})
    api(base_url, "POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}})


def all_tries(pg: Postgres) -> list[Try]:
    rows = [
        *query(pg, TRIES_SQL.format(table="task_instance")),
        *query(pg, TRIES_SQL.format(table="task_instance_history")),
    ]
    return [Try(*row[:5], row[5] or "", row[6] or "", row[7]) for row in rows]


@pytest.fixture(scope="module")
def outcome(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    pg_bin, redis_bin = ensure_postgres(), ensure_redis()
    started = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = round(time.monotonic() - started, 1)

    tmp = tmp_path_factory.mktemp("airflow-celery")
    buckets = {"airflow": "defcorpus-airflow-celery", "single": "defcorpus-celery-ref"}

    with contextlib.ExitStack() as stack:
        staged = stage_sites(stack, s3_server, tmp, buckets, SITES)
        pg = stack.enter_context(postgres_cluster(pg_bin))
        broker_url = stack.enter_context(redis_server(redis_bin))
        home, api_port = tmp / "home", free_port()
        api_url = f"http://127.0.0.1:{api_port}"
        home.mkdir()
        env = airflow_env(home, pg, broker_url, api_port, staged.env())
        airflow = Airflow(home, env)
        stack.callback(airflow.stop)
        phase("services")
        airflow.cli("db", "migrate", timeout=300)
        phase("db migrate")
        airflow.start("api-server", "api-server", "--port", str(api_port), "--host", "127.0.0.1")
        airflow.start("dag-processor", "dag-processor")
        airflow.start("scheduler", "scheduler")
        for name in WORKERS:
            start_worker(airflow, name, tmp)
        import_pools(airflow, SITES.values())  # while the components start
        wait_for(
            "the DAGs to be parsed, both workers and the api-server to be ready",
            lambda: (
                {r[0] for r in query(pg, "SELECT dag_id FROM dag")} >= DAG_IDS
                and all(" ready." in airflow.log(name) for name in WORKERS)
                and answers(api_url)
            ),
            airflow,
            timeout=180,
        )
        assert query(pg, "SELECT filename, stacktrace FROM import_error") == []
        phase("components ready")

        conf = {"since": "2000-01-01", "until": "2100-01-01", "scrapy_settings": NO_PACING}
        for site in SITES:
            trigger(api_url, f"crawl_{site}", conf)

        victim = wait_for(
            "a worker in the middle of a crawl, both having run a task",
            lambda: victim_mid_crawl(airflow, pg),
            airflow,
            timeout=150,
            step=0.2,
        )
        phase("triggered, first tasks running")
        killed = airflow.kill(victim)
        killed_at = query(pg, "SELECT now()")[0][0]
        phase("worker killed")
        time.sleep(1)
        survivors = [line for pid in killed if (line := command_line(pid))]

        # The undisturbed reference crawls run while the scheduler waits out the heartbeat timeout.
        reference = threading.Thread(target=staged.crawl_reference, name="reference-crawls")
        reference.start()

        def runs_done(dag_ids: set[str]) -> bool:
            """Every run of these DAGs finished (a failed one ends the wait: the tests below report it)."""
            states = [s for d, s in query(pg, "SELECT dag_id, state FROM dag_run") if d in dag_ids]
            return "failed" in states or (bool(states) and set(states) == {"success"})

        crawls = {f"crawl_{site}" for site in SITES}
        wait_for("the crawl runs", lambda: runs_done(crawls), airflow, timeout=RUN_TIMEOUT_S, step=1.0)
        phase("crawls done")
        trigger(api_url, "defcorpus_clean")
        wait_for("the cleaning run", lambda: runs_done(DAG_IDS), airflow, timeout=RUN_TIMEOUT_S, step=1.0)
        phase("cleaning done")
        wall = time.monotonic() - started
        runs = [tuple(r) for r in query(pg, "SELECT dag_id, run_type, state FROM dag_run ORDER BY id")]
        tries = all_tries(pg)
        airflow.stop()
        reference.join(timeout=180)
        assert not reference.is_alive(), "the reference crawls did not finish in 3 minutes"
        phase("stopped, reference crawled")

    airflow_manifests = staged.clean_reference()
    phase("reference cleaned")

    yield Outcome(
        wall_seconds=wall,
        phases=phases,
        runs=runs,
        tries=tries,
        victim=victim,
        killed_at=killed_at,
        survivors_of_the_kill=survivors,
        manifests=airflow_manifests,
        warc_keys=staged.warc_keys(),
        articles=staged.articles("airflow"),
        reference=staged.articles("single"),
    )


def survivor(outcome: Outcome) -> str:
    (other,) = set(WORKERS) - {outcome.victim}
    return other


def test_every_run_succeeded(outcome: Outcome) -> None:
    print(f"\nAirflow + Celery integration run: {outcome.wall_seconds:.0f} s from cluster start to settled")
    print("phases (s from start): " + ", ".join(f"{name} {t}" for name, t in outcome.phases.items()))
    assert outcome.runs, "no DAG runs"
    assert {state for _, _, state in outcome.runs} == {"success"}, outcome.runs
    dags = Counter(dag_id for dag_id, _, _ in outcome.runs)
    assert dags == {**{f"crawl_{site}": 1 for site in SITES}, "defcorpus_clean": 1}, dags


def test_tasks_ran_on_both_workers_under_their_own_hostnames(outcome: Outcome) -> None:
    hosts = Counter(t.hostname for t in outcome.tries)
    print(f"tries per worker: {dict(hosts)}; killed: {outcome.victim}")
    assert set(hosts) == set(WORKERS), hosts


def test_the_worker_was_killed_mid_crawl_with_everything_it_started(outcome: Outcome) -> None:
    lost = [t for t in outcome.tries if t.hostname == outcome.victim and t.state != "success"]
    assert any(t.task_id == "crawl" for t in lost), lost
    assert all(t.state == "failed" for t in lost), lost
    assert outcome.survivors_of_the_kill == []


def test_the_killed_workers_tasks_were_retried_on_the_other(outcome: Outcome) -> None:
    final = {t.task: t for t in sorted(outcome.tries, key=lambda t: t.try_number)}
    lost = [t for t in outcome.tries if t.state != "success"]
    assert lost and all(t.hostname == outcome.victim for t in lost), "only the killed worker's tries failed"
    for t in lost:
        retry = final[t.task]
        assert retry.state == "success" and retry.hostname == survivor(outcome), (t, retry)
        assert retry.try_number > t.try_number
    after = [t for t in outcome.tries if t.start_date > outcome.killed_at]
    assert after and {t.hostname for t in after} == {survivor(outcome)}


def test_each_warc_file_was_cleaned_by_exactly_one_batch(outcome: Outcome) -> None:
    consumed = Counter(key for m in outcome.manifests for key in m.inputs)
    assert set(consumed) == set(outcome.warc_keys)
    assert set(consumed.values()) == {1}


def test_every_article_landed_exactly_once(outcome: Outcome) -> None:
    per_site = Counter(a["site"] for a in outcome.articles)
    assert per_site == dict.fromkeys(SITES, len(facts.article_paths()))
    assert len({a["id"] for a in outcome.articles}) == len(outcome.articles)
    urls = {(a["site"], a["url"].split("/", 3)[3]) for a in outcome.articles}
    assert urls == {(site, path.lstrip("/")) for site in SITES for path in facts.article_paths()}


def test_the_corpus_equals_an_undisturbed_run(outcome: Outcome) -> None:
    def versions(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return sorted((r["id"], r["content_hash"]) for r in rows)

    assert versions(outcome.articles) == versions(outcome.reference)
    assert content(outcome.articles) == content(outcome.reference)

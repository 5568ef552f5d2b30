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
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from corpus.manifest import Manifest
from defcorpus.clean import pending_warc_keys
from tests.integration.airflow_procs import Airflow, content, import_pools, stage_sites, wait_for
from tests.integration.services import ensure_postgres, postgres_cluster, query
from tests.support import minisite_facts as facts
from tests.support.crawling import NO_PACING
from tests.support.http import free_port
from tests.support.s3 import S3Server

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
SITES = {"minia": "127.0.0.1", "minib": "127.0.0.2"}  # two hosts: two publisher pools
RUN_TIMEOUT_S = 420
DAG_IDS = {"crawl_minia", "crawl_minib", "defcorpus_clean"}


@dataclass
class Outcome:
    wall_seconds: float
    runs: list[tuple[str, str, str]]  # dag_id, run_type, state
    crawl_spans: dict[str, tuple[datetime, datetime]]
    manifests: list[Manifest]
    warc_keys: list[str]
    articles: list[dict[str, Any]]
    reference: list[dict[str, Any]]


@pytest.fixture(scope="module")
def outcome(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    bin_dir = ensure_postgres()
    started = time.monotonic()
    tmp = tmp_path_factory.mktemp("airflow-pg")
    buckets = {"airflow": "defcorpus-airflow-pg", "single": "defcorpus-airflow-ref"}

    with contextlib.ExitStack() as stack:
        staged = stage_sites(stack, s3_server, tmp, buckets, SITES)
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
            **staged.env(),
        }
        airflow = Airflow(home, env)
        stack.callback(airflow.stop)
        airflow.cli("db", "migrate", timeout=300)
        import_pools(airflow, SITES.values())

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

        conf = json.dumps({"since": "2000-01-01", "until": "2100-01-01", "scrapy_settings": NO_PACING})
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
                and not any(pending_warc_keys(staged.stores["airflow"], site) for site in SITES)
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
        staged.crawl_reference()
    airflow_manifests = staged.clean_reference()

    yield Outcome(
        wall_seconds=wall,
        runs=runs,
        crawl_spans=spans,
        manifests=airflow_manifests,
        warc_keys=staged.warc_keys(),
        articles=staged.articles("airflow"),
        reference=staged.articles("single"),
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

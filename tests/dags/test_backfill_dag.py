"""The archive-backfill DAG really run (``dag.test()``): a month's data interval is its capture window.

The mini-site archived in a fake Wayback Machine on loopback; two monthly runs, as ``airflow backfill
create`` makes them, each store the articles captured in their month, and a run again asks nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from defcorpus.orchestration import config
from defcorpus.orchestration.config import backfill_dag_id
from tests.support.archives import archive_serving
from tests.support.backfilling import MiniSiteHistory, archive_env, stored_records
from tests.support.dags import dag_bag

pytestmark = pytest.mark.slow

MONTHS = [datetime(2022, 11, 1, tzinfo=UTC), datetime(2022, 12, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC)]


def test_monthly_runs_backfill_their_month_in_the_sites_pool(
    airflow_db: None, minisite: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = MiniSiteHistory(minisite.base_url)
    store = tmp_path / "store"
    monkeypatch.setenv("DEFCORPUS_STORE", str(store))
    with archive_serving(history) as wayback:
        for name, value in archive_env(wayback).items():
            if name.startswith("DEFCORPUS_"):
                monkeypatch.setenv(name, value)
        dag = dag_bag().dags[backfill_dag_id("minisite")]
        for task in dag.tasks:
            task.retries = 0
        conf = {"base_url": minisite.base_url}
        seen: list[str] = []
        for start, end in pairwise(MONTHS):
            # A manual run's interval is the one that ends at its logical date (a backfill run's starts there).
            run = dag.test(logical_date=end, run_conf=conf)
            assert run.state == "success"
            assert (run.data_interval_start, run.data_interval_end) == (start, end)
            (ti,) = run.get_task_instances()
            assert ti.pool == config.pool_name(history_site())
            now = {r.path for r in stored_records(store, "minisite")} - set(seen)
            expected = {c.path for c in history.captures() if c.kind != "challenge" and start <= c.at < end}
            assert now == expected and expected, (start, now)
            seen += sorted(now)
        wayback.reset_log()
        again = dag.test(logical_date=MONTHS[1], run_conf=conf)
        assert again.state == "success"
        assert wayback.log == [], "a month already backfilled asks the archive nothing"
    two_months = {c.path for c in history.captures() if c.kind != "challenge" and MONTHS[0] <= c.at < MONTHS[-1]}
    assert len(seen) == len(set(seen)) == len(two_months), "each article once across the runs"


def history_site() -> Any:
    from crawlers.sites import get_site

    return get_site("minisite")

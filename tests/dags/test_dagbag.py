"""The DAG folder: imports cleanly, one crawl DAG per site config, production habits on every task."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from crawlers.sites import load_sites, site_files
from defcorpus.orchestration import config
from defcorpus.orchestration.backfill_tasks import backfill_dag_id
from tests.dags.conftest import DAGS_FOLDER, dag_bag


@pytest.fixture(scope="module")
def bag() -> Any:
    return dag_bag()


def test_folder_imports_without_errors(bag: Any) -> None:
    assert bag.import_errors == {}


def test_one_crawl_dag_and_one_backfill_dag_per_site_plus_cleaning(bag: Any) -> None:
    crawls = {config.crawl_dag_id(name) for name in load_sites()}
    expected = crawls | {backfill_dag_id(name) for name in load_sites()} | {"defcorpus_clean"}
    assert set(bag.dag_ids) == expected


def test_every_task_retries_with_backoff_and_a_timeout(bag: Any) -> None:
    for dag in bag.dags.values():
        assert "defcorpus" in dag.tags and dag.doc_md and dag.max_active_runs == 1, dag.dag_id
        for task in dag.tasks:
            assert task.execution_timeout is not None, task.task_id
            if task.task_id != "quality":  # a failed check is not retried: it would fail again
                assert task.retries >= 2 and task.retry_exponential_backoff > 1, (dag.dag_id, task.task_id)


def test_crawl_dags_use_data_intervals_pools_and_assets(bag: Any) -> None:
    sites = load_sites()
    for name, site in sites.items():
        dag = bag.dags[config.crawl_dag_id(name)]
        assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"
        (task,) = dag.tasks
        assert task.pool == config.pool_name(site)
        assert [a.name for a in task.outlets] == [f"defcorpus-raw-{name}"]
        backfill = bag.dags[backfill_dag_id(name)]
        assert type(backfill.timetable).__name__ == "CronDataIntervalTimetable"
        assert [t.pool for t in backfill.tasks] == [config.pool_name(site)]
        assert [a.name for t in backfill.tasks for a in t.outlets] == [f"defcorpus-raw-{name}"]
    clean = bag.dags["defcorpus_clean"]
    triggers = {a.name for a in clean.timetable.asset_condition.objects}
    assert triggers == {f"defcorpus-raw-{name}" for name in sites}


def test_broken_config_is_an_import_error_for_that_site_only(
    airflow_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dag import DagModel

    minisite = next(p for p in site_files() if p.name == "minisite.toml")
    shutil.copy(minisite, tmp_path / "minisite.toml")
    (tmp_path / "broken.toml").write_text('name = "broken"\ntitle = "x"\nbase_url = "ftp://nope"\n')
    monkeypatch.setenv(config.SITES_DIR_ENV, str(tmp_path))

    bag = BundleDagBag(dag_folder=str(DAGS_FOLDER), bundle_path=DAGS_FOLDER, bundle_name="dags-folder")
    assert set(bag.dag_ids) == {"crawl_minisite", "archive_backfill_minisite", "defcorpus_clean"}
    (where, message), *others = bag.import_errors.items()
    assert not others and Path(where).name == "defcorpus_site_configs.py"
    assert "broken.toml" in message and "base_url" in message and "minisite.toml" not in message

    # The other sites' DAGs stay schedulable: an import error marks its own file's DAGs stale.
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)
    crawl = DagModel.get_dagmodel("crawl_minisite")
    assert crawl is not None and not crawl.is_stale and not crawl.has_import_errors

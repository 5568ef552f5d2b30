"""The DAG folder: imports cleanly, one crawl DAG per site config, production habits on every task."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawlers.sites import load_sites, site_files
from defcorpus.orchestration import config
from defcorpus.orchestration.config import backfill_dag_id
from tests.support.dags import DAGS_FOLDER, dag_bag


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
    assert bag.dags and all(dag.tasks for dag in bag.dags.values())
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


def test_broken_config_is_logged_and_leaves_the_other_sites_scheduled(
    airflow_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dag import DagModel

    minisite = next(p for p in site_files() if p.name == "minisite.toml")
    shutil.copy(minisite, tmp_path / "minisite.toml")
    (tmp_path / "broken.toml").write_text('name = "broken"\ntitle = "x"\nbase_url = "ftp://nope"\n')
    monkeypatch.setenv(config.SITES_DIR_ENV, str(tmp_path))

    with caplog.at_level(logging.ERROR, logger="defcorpus.orchestration.config"):
        bag = BundleDagBag(dag_folder=str(DAGS_FOLDER), bundle_path=DAGS_FOLDER, bundle_name="dags-folder")
    assert set(bag.dag_ids) == {"crawl_minisite", "archive_backfill_minisite", "defcorpus_clean"}
    assert bag.import_errors == {}
    (logged,) = {r.getMessage() for r in caplog.records if "site config failed to load" in r.getMessage()}
    assert "broken.toml" in logged and "base_url" in logged and "minisite.toml" not in logged

    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)
    crawl = DagModel.get_dagmodel("crawl_minisite")
    assert crawl is not None and not crawl.is_stale and not crawl.has_import_errors

    # The same errors fail the deploy-time check, one line each.
    checked = subprocess.run(
        [sys.executable, "-m", "defcorpus.orchestration", "check"],
        capture_output=True,
        text=True,
        env={**os.environ, config.SITES_DIR_ENV: str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert checked.returncode == 1, checked.stderr
    (line,) = checked.stderr.strip().splitlines()
    assert line.startswith("error: ") and "broken.toml" in line
    assert checked.stdout.strip() == "1 site config(s) load, 1 do not"


def test_the_shipped_site_configs_pass_the_check() -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "defcorpus.orchestration", "check"], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr


HEAVY = ("trafilatura", "pyarrow", "boto3", "botocore", "numpy", "lxml", "scrapy", "warcio", "feedparser")


def test_parsing_the_dag_files_imports_no_crawl_store_or_cleaning_library() -> None:
    """Each DAG file is parsed often, by the DAG processor; the libraries the tasks need load in the task."""
    probe = (
        "import sys, runpy, json\n"
        f"for path in {[str(p) for p in sorted(DAGS_FOLDER.glob('*.py'))]!r}:\n"
        "    runpy.run_path(path)\n"
        f"print(json.dumps(sorted(m for m in {list(HEAVY)!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []

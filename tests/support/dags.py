"""Helpers of the DAG tests: the DAG folder, a DagBag, run confs for the mini-site, retries off.

Airflow is imported inside ``dag_bag`` only: tests/dags/conftest.py must set Airflow's environment first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.crawling import NO_PACING

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "dags"


def dag_bag(dag_folder: Path = DAGS_FOLDER) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(dag_folder))


def crawl_conf(minisite: Any, **window: str) -> dict[str, Any]:
    return {"base_url": minisite.base_url, "scrapy_settings": NO_PACING, **window}


def no_retries(dag: Any) -> Any:
    """``dag.test()`` would wait out the real retry delays; a failure should fail the test at once."""
    for task in dag.tasks:
        task.retries = 0
    return dag

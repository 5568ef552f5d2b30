"""Airflow for the DAG tests: a throwaway AIRFLOW_HOME with a SQLite metadata DB, reset once.

The environment is set at import time, before anything imports Airflow (Airflow reads its config
once, on import). Airflow itself is imported only inside fixtures, so collecting the rest of the
suite does not pay its ~5 s import.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.dags import DAGS_FOLDER

_HOME = Path(tempfile.mkdtemp(prefix="defcorpus-airflow-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Airflow's own deprecation warnings are not ours to fix; the suite turns warnings into errors."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"))
            # starlette (under Airflow's in-process execution API) nags about httpx vs httpx2
            item.add_marker(pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"))


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A fresh metadata DB and the crawl pools, once per session."""
    from airflow.models.pool import Pool
    from airflow.utils.db import resetdb

    from defcorpus.orchestration.config import load_dag_sites, pools_spec

    resetdb()
    for name, pool in pools_spec(load_dag_sites().sites.values()).items():
        Pool.create_or_update_pool(name, pool["slots"], pool["description"], pool["include_deferred"])


@pytest.fixture
def s3_store_env(s3_bucket: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """DEFCORPUS_STORE on a fresh bucket; the endpoint comes through the ``aws_default`` connection."""
    endpoint_url, bucket = s3_bucket
    store_url = f"s3://{bucket}/corpus"
    monkeypatch.setenv("DEFCORPUS_STORE", store_url)
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        '{"conn_type": "aws", "login": "testing", "password": "testing", '
        f'"extra": {{"endpoint_url": "{endpoint_url}", "region_name": "us-east-1"}}}}',
    )
    yield store_url

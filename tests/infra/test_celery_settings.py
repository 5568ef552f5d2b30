"""The deployment files run the executor the Celery integration test runs: the settings that decide
what happens to a lost worker's tasks (``tests/integration/celery_settings.py``) are in
``infra/compose.yaml`` and ``infra/helm/values.yaml`` with the same values, and those values hold
for the DAGs' own timeouts.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from defcorpus.orchestration import config
from tests.integration.celery_settings import DEPLOYED, SHORTENED_FOR_THE_TEST, helm_key
from tests.support.compose import COMPOSE_FILE, INFRA, env_of, interpolate

VALUES_FILE = INFRA / "helm" / "values.yaml"


@pytest.fixture(scope="module")
def compose_env() -> dict[str, str]:
    return env_of(yaml.safe_load(interpolate(COMPOSE_FILE.read_text()))["services"]["airflow-worker"])


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return yaml.safe_load(VALUES_FILE.read_text())


def helm_setting(values: dict[str, Any], name: str) -> str | None:
    """The chart takes the executor from its top-level ``executor``, the rest from ``config``."""
    if name == "AIRFLOW__CORE__EXECUTOR":
        return str(values["executor"])
    section, key = helm_key(name)
    value = values.get("config", {}).get(section, {}).get(key)
    return None if value is None else str(value)


@pytest.mark.parametrize("name", sorted(DEPLOYED))
def test_compose_carries_the_setting(compose_env: dict[str, str], name: str) -> None:
    assert compose_env.get(name) == DEPLOYED[name], f"infra/compose.yaml: {name}"


@pytest.mark.parametrize("name", sorted(DEPLOYED))
def test_helm_values_carry_the_setting(values: dict[str, Any], name: str) -> None:
    assert helm_setting(values, name) == DEPLOYED[name], f"infra/helm/values.yaml: {name}"


def test_the_test_shortens_only_waits() -> None:
    """Everything else the integration test runs with is the deployed value."""
    assert set(SHORTENED_FOR_THE_TEST) <= {
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL",
        config.RETRY_DELAY_ENV,
    }
    assert config.RETRY_DELAY_ENV not in DEPLOYED  # deployments keep the DAGs' default retry delay


def test_redis_never_hands_a_running_task_to_a_second_worker() -> None:
    """The visibility timeout outlasts the longest task (a crawl), so only a dead worker's message returns."""
    visibility = int(DEPLOYED["AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT"])
    longest = max(config.CRAWL_TIMEOUT, config.CLEAN_TIMEOUT, config.CHECK_TIMEOUT)
    assert visibility > longest.total_seconds()


def test_a_lost_task_is_noticed_long_after_a_missed_heartbeat_or_two() -> None:
    """Task supervisors heartbeat every 5 s (``[workers] min_heartbeat_interval``); a busy worker
    that misses a few must not have its tasks failed."""
    timeout = int(DEPLOYED["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"])
    test_timeout = int(SHORTENED_FOR_THE_TEST["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"])
    assert timeout >= 60 and test_timeout >= 3 * 5


def test_the_scheduler_never_queues_more_tasks_than_the_workers_can_start(
    compose_env: dict[str, str], values: dict[str, Any]
) -> None:
    """A task left in Redis past ``task_queued_timeout`` (a worker slot stays busy for a crawl's hours)
    is requeued twice and then failed; with parallelism at most the slots, extra tasks wait as
    ``scheduled``, with no time limit (docs/operations.md, "Workers and pools")."""
    compose_workers = 1  # `--scale airflow-worker=N` wants AIRFLOW_PARALLELISM raised with it
    assert int(compose_env["AIRFLOW__CORE__PARALLELISM"]) <= compose_workers * int(
        compose_env["AIRFLOW__CELERY__WORKER_CONCURRENCY"]
    )
    slots = values["workers"]["replicas"] * int(values["config"]["celery"]["worker_concurrency"])
    assert int(values["config"]["core"]["parallelism"]) <= slots

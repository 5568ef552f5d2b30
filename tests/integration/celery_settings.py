"""The CeleryExecutor settings that decide what happens to a lost worker's tasks: one list for the
deployment files and the Celery integration test.

``infra/compose.yaml`` (as ``AIRFLOW__SECTION__KEY``) and ``infra/helm/values.yaml`` (under
``config.<section>.<key>``) carry exactly ``DEPLOYED`` (``tests/infra/test_celery_settings.py``
checks both); ``tests/integration/test_airflow_celery.py`` runs with ``DEPLOYED`` too, except the
waits in ``SHORTENED_FOR_THE_TEST``, so that a killed worker's crawl is retried within a minute.

How a worker's death is recovered, and why these values:

- ``task_acks_late`` with ``worker_prefetch_multiplier`` 1: a worker takes a message only when it
  has a free process and acknowledges it when the task ends, so no message waits unstarted behind
  a busy (or dead) worker.
- Airflow, not Celery, retries a lost task: the task's supervisor heartbeats every 5 s; a running
  task silent for ``task_instance_heartbeat_timeout`` is failed by the scheduler (checked every
  ``..._detection_interval``) and retried after the task's ``retry_delay``, on any live worker.
- The dead worker's unacknowledged message comes back from Redis after ``visibility_timeout``; by
  then its try has been retried, and the execution API refuses to start a try that is not queued
  (409, or 404 for a try replaced by its retry), so nothing runs twice. The timeout must outlast the
  longest task, a crawl's 6 h (``defcorpus.orchestration.config.CRAWL_TIMEOUT``): shorter, Redis would
  hand every long crawl to a second worker, which is refused but logged as a failed Celery task.
- A message lost before its task started (the worker died between taking it and starting it) leaves
  the task queued: ``task_queued_timeout`` requeues it.
"""

from __future__ import annotations

DEPLOYED: dict[str, str] = {
    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
    "AIRFLOW__CELERY__TASK_ACKS_LATE": "True",
    "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
    "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "86400",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "300",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "10",
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "600",
}

# Waits only: the same mechanisms, minutes made seconds. A worker has 2 processes on the 2-core test
# machine (4 in the deployments: AIRFLOW__CELERY__WORKER_CONCURRENCY is sizing, set per deployment).
SHORTENED_FOR_THE_TEST: dict[str, str] = {
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
    "DEFCORPUS_RETRY_DELAY_SECONDS": "2",  # deployments keep the default 5 min
}


def helm_key(name: str) -> tuple[str, str]:
    """``AIRFLOW__CELERY__TASK_ACKS_LATE`` -> ``("celery", "task_acks_late")``: the chart's ``config``."""
    prefix, section, key = name.split("__")
    assert prefix == "AIRFLOW", name
    return section.lower(), key.lower()

"""``[core] hostname_callable`` for Celery workers sharing one machine in the integration test.

Airflow records the hostname of the worker that ran each try (``task_instance.hostname``); on one
machine every worker would report the same one, so each test worker names itself in
``INTEGRATION_WORKER_HOSTNAME``.
"""

from __future__ import annotations

import os

HOSTNAME_ENV = "INTEGRATION_WORKER_HOSTNAME"


def hostname() -> str:
    return os.environ[HOSTNAME_ENV]

"""Integration tests: real multi-process runs (PostgreSQL, Airflow's scheduler) on loopback.

The ``integration`` marker is registered here as well as it may be in pyproject.toml, so that
``--strict-markers`` accepts it either way; select with ``pytest -m integration``.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: multi-process runs with real services (PostgreSQL, Airflow scheduler); minutes"
    )

"""Shared fixtures: the S3 server (tests/support/s3.py) and the bundled mini-site on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest_plugins = ["tests.support.s3"]


@pytest.fixture(scope="session")
def minisite() -> Iterator[Any]:
    """The bundled mini-site served on 127.0.0.1 for the whole session."""
    from defcorpus.minisite import serve

    with serve() as server:
        yield server

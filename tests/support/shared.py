"""The real-page data sets next to the repository (``../shared``, found as bench/sets.py finds them).

A test that needs one calls ``require_input``: where the input is missing it skips on a developer's
machine, but under ``CI=true`` it fails, so a gate cannot vanish unnoticed when the sets are not
mounted. No test names this machine's own paths.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.sets import SHARED, under_ci

__all__ = ["SHARED", "require_input"]


def require_input(path: Path, what: str) -> Path:
    """``path`` if it exists; else a skip, or under ``CI=true`` a failure, naming ``what`` and the path."""
    if path.exists():
        return path
    message = f"{what} is missing: {path}"
    if under_ci():
        pytest.fail(message)
    pytest.skip(message)

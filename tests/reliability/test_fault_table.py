"""The fault table of docs/reliability.md names tests that exist: a renamed or moved test is a stale row.

Each row's last cell lists tests as ``path::name`` (paths relative to ``tests/``, ``R/`` for
``tests/reliability/``), or ``::name`` for another test of the path named before it (in the cell, or
in the row above after "same test;").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"


def references(doc: str) -> list[tuple[str, str]]:
    """(path under tests/, test name or "") for each test the table's last column names."""
    found, path = [], ""
    for line in doc.splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        for ref in re.findall(r"`([^`]+)`", line.rstrip().rstrip("|").rsplit("|", 1)[-1]):
            head, sep, name = ref.partition("::")
            if not (sep or head.endswith(".py")):
                continue
            if head:
                path = head.replace("R/", "reliability/", 1)
            found.append((path, name.split("[")[0]))
    return found


def test_every_test_the_fault_table_names_exists() -> None:
    refs = references((ROOT / "docs" / "reliability.md").read_text())
    assert len(refs) > 100  # the table was read
    missing = []
    for path, name in refs:
        source = TESTS / path
        if not source.is_file():
            missing.append(f"{path} (no such file)")
        elif name and not re.search(rf"^(async )?def {re.escape(name)}\(", source.read_text(), re.MULTILINE):
            missing.append(f"{path}::{name}")
    assert missing == []

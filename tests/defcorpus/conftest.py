"""Fixtures of the report tests: the report corpus (tests/support/report_corpus.py), built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.store import Store, open_store
from defcorpus.clean_report import CleanReport
from defcorpus.report import ReportData, collect_report
from tests.support import report_corpus


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Path, list[CleanReport]]:
    """The store, its directory, and the clean reports of its batches."""
    tmp = tmp_path_factory.mktemp("report-corpus")
    store_dir = tmp / "store"
    store = open_store(str(store_dir))
    return store, store_dir, report_corpus.build(store, store_dir, tmp)


@pytest.fixture(scope="session")
def data(built: tuple[Store, Path, list[CleanReport]]) -> ReportData:
    return collect_report(built[0])

"""The README's one-liners for pyarrow, pandas, Polars, DuckDB and Hugging Face datasets, run as written."""

from __future__ import annotations

from pathlib import Path

import pytest

import corpus
from corpus.store import open_store
from corpus.table import publish
from defcorpus.repair import repair_site
from tests.support.articles import make_article
from tests.support.faults import kill_mid_publish
from tests.support.readers import (
    columns_of,
    in_reader_dir,
    readme_reader_lines,
    rows_of,
    run_reader_line,
    site_months,
)


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = open_store(str(tmp_path / "defcorpus-data"))
    publish(
        store,
        "minisite",
        [make_article("a", published="2022-11-02"), make_article("b", published="2022-12-02")],
        "20230201T000000Z-ffff0001",
        [],
    )
    publish(
        store,
        "minisite",
        [make_article("b", "A corrected body.", published="2022-12-02", fetched="2023-02-03")],
        "20230203T000000Z-ffff0002",
        [],
    )
    return in_reader_dir(tmp_path, monkeypatch)


@pytest.mark.parametrize("line", readme_reader_lines(), ids=lambda line: line.split()[1])
def test_readme_reader_line(published: Path, line: str) -> None:
    assert rows_of(*run_reader_line(line)) == 3  # every published version: the history


@pytest.mark.parametrize("line", readme_reader_lines(), ids=lambda line: line.split()[1])
def test_readme_reader_line_gives_one_site_and_one_month_column(published: Path, line: str) -> None:
    """``site`` and ``month`` are in the path and in the files: every reader must give each once, right."""
    store = open_store(str(published / "defcorpus-data"))
    publish(store, "other", [make_article("c", published="2022-10-30", site="other")], "20230204T000000Z-ffff0003", [])
    name, value = run_reader_line(line)
    if name != "rel":  # the DuckDB line selects its columns by name
        assert [c for c in columns_of(value) if c in ("site", "month")] == ["site", "month"]
    assert site_months(name, value) == [
        ("minisite", "2022-11"),
        ("minisite", "2022-12"),
        ("minisite", "2022-12"),
        ("other", "2022-10"),
    ]


def test_a_file_copied_out_of_its_folder_says_which_site_and_month_it_holds(published: Path) -> None:
    import pyarrow.parquet as pq

    files = sorted((published / "defcorpus-data" / "clean").glob("site=minisite/month=2022-11/*.parquet"))
    copied = published / "copied.parquet"
    copied.write_bytes(files[0].read_bytes())
    table = pq.read_table(copied)
    assert table.column("site").to_pylist() == ["minisite"] and table.column("month").to_pylist() == ["2022-11"]


@pytest.mark.parametrize("line", readme_reader_lines(), ids=lambda line: line.split()[1])
def test_readme_reader_line_after_a_publish_killed_before_its_manifest(published: Path, line: str) -> None:
    """The writer is SIGKILLed after writing its data files, before its manifest: file readers see the
    published history only, not the batch that never committed (before: 5 rows, until the next clean)."""
    kill_mid_publish(open_store(str(published / "defcorpus-data")), "manifest")
    assert rows_of(*run_reader_line(line)) == 3


@pytest.mark.parametrize("line", readme_reader_lines(), ids=lambda line: line.split()[1])
def test_readme_reader_line_after_a_publish_killed_mid_promotion(published: Path, line: str) -> None:
    """Killed after its manifest, with one of its two files promoted: file readers see that file (as the
    README says), corpus.open the whole batch; the next clean of the site finishes the promotion."""
    store = open_store(str(published / "defcorpus-data"))
    kill_mid_publish(store, "promotion")
    assert rows_of(*run_reader_line(line)) == 3 + 1
    assert corpus.open(store).articles(latest=False).num_rows == 3 + 2
    repair_site(store, "minisite")
    assert rows_of(*run_reader_line(line)) == 3 + 2

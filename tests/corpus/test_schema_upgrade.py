"""A store mixing files written at schema 1.0 (no ``paywalled`` column) with 1.1 files.

The reader, ``defcorpus export``, ``defcorpus stats`` and compaction must read it as one corpus, old
rows as ``paywalled = False``; after ``defcorpus compact`` the README's direct readers see one schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import corpus
from corpus.schema import Article
from corpus.store import Store, open_store
from corpus.table import compact, conform, live_files, partition_counts, publish, read_manifests
from defcorpus.cli import main
from tests.support.articles import make_article
from tests.support.old_schema import downgrade_to_1_0, downgrade_to_1_1, has_partition_columns, has_paywalled_column
from tests.support.readers import in_reader_dir, readme_reader_lines, rows_of, run_reader_line, site_months

OLD_BATCH, NEW_BATCH = "20230201T000000Z-abcd0001", "20230202T000000Z-abcd0002"
# headline -> paywalled, as every reader must see it
EXPECTED = {"Headline old-dec": False, "Headline old-nov": False, "Headline teaser": True, "Headline plain": False}


def mixed_store(store: Store) -> Store:
    """Two 1.0 files (Nov alone, Dec), then a 1.1 batch: Dec now holds one file of each version."""
    old = [make_article("old-nov", published="2022-11-03"), make_article("old-dec", published="2022-12-02")]
    publish(store, "minisite", old, OLD_BATCH, inputs=["raw/old.warc.gz"])
    downgrade_to_1_0(store, OLD_BATCH)
    teaser = make_article("teaser", "Only the first paragraph.", published="2022-12-03")
    new = [teaser.model_copy(update={"paywalled": True}), make_article("plain", published="2022-12-04")]
    publish(store, "minisite", new, NEW_BATCH, inputs=["raw/new.warc.gz"])
    old_files = [f.key for m in read_manifests(store) if m.batch_id == OLD_BATCH for f in m.files]
    assert len(old_files) == 2 and not any(has_paywalled_column(store, k) for k in old_files)  # really 1.0
    return store


def flags(rows: list[dict[str, Any]]) -> dict[str, bool]:
    return {r["headline"]: r["paywalled"] for r in rows}


def test_reader_reads_old_rows_as_not_paywalled(any_store: Store) -> None:
    rows = corpus.open(mixed_store(any_store)).articles(latest=False).to_pylist()
    assert flags(rows) == EXPECTED
    assert {r["headline"]: r["schema_version"] for r in rows}["Headline old-dec"] == "1.0"
    for row in rows:  # an old row is a valid record of the current model
        Article.model_validate({k: v for k, v in row.items() if k != "month"})
    dec = corpus.open(any_store).articles(since="2022-12-01", until="2023-01-01").to_pylist()
    assert flags(dec) == {k: v for k, v in EXPECTED.items() if k != "Headline old-nov"}


def test_export_and_stats_on_a_mixed_store(tmp_path: Path) -> None:
    store = mixed_store(open_store(str(tmp_path / "store")))
    runner = CliRunner()
    jsonl = runner.invoke(main, ["export", "--store", store.url], catch_exceptions=False)
    assert flags([json.loads(line) for line in jsonl.stdout.splitlines()]) == EXPECTED
    out = tmp_path / "all.parquet"
    runner.invoke(main, ["export", "--store", store.url, "--format", "parquet", "-o", str(out)], catch_exceptions=False)
    exported = pq.read_table(out)
    assert exported.schema.field("paywalled").type == pa.bool_()
    assert flags(exported.to_pylist()) == EXPECTED
    stats = runner.invoke(main, ["stats", "--store", store.url], catch_exceptions=False).stdout.splitlines()
    assert stats[0].split() == ["site", "month", "rows", "paywalled"]
    assert [line.split() for line in stats[1:]] == [
        ["minisite", "2022-11", "1", "0"],
        ["minisite", "2022-12", "3", "1"],
        ["total", "4", "1"],
    ]


def test_compaction_merges_old_and_new_files_and_rewrites_a_lone_old_one(any_store: Store) -> None:
    store = mixed_store(any_store)
    before = sorted(map(str, corpus.open(store).articles(latest=False).to_pylist()))
    manifest = compact(store, "minisite", "20230301T000000Z-abcd0003")
    assert manifest is not None and len(manifest.supersedes) == 3  # Dec's two files, and Nov's lone 1.0 file
    assert sorted(map(str, corpus.open(store).articles(latest=False).to_pylist())) == before
    live = [f.key for f in live_files(read_manifests(store, "minisite"))]
    assert len(live) == 2 and all(has_paywalled_column(store, k) for k in live)
    assert [(c["month"], c["rows"], c["paywalled"]) for c in partition_counts(store)] == [
        ("2022-11", 1, 0),
        ("2022-12", 3, 1),
    ]
    assert compact(store, "minisite", "20230301T000000Z-abcd0004") is None  # nothing old or small is left


@pytest.fixture
def compacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = mixed_store(open_store(str(tmp_path / "defcorpus-data")))
    compact(store, "minisite", "20230301T000000Z-abcd0005")
    return in_reader_dir(tmp_path, monkeypatch)


@pytest.mark.parametrize("line", readme_reader_lines(), ids=lambda line: line.split()[1])
def test_readme_readers_see_one_schema_after_compaction(compacted: Path, line: str) -> None:
    name, value = run_reader_line(line)
    assert rows_of(name, value) == len(EXPECTED)
    if name != "rel":  # the DuckDB line selects three columns by name
        assert "paywalled" in (getattr(value, "column_names", None) or list(value.columns))
    assert site_months(name, value) == [("minisite", "2022-11")] + [("minisite", "2022-12")] * 3


@pytest.fixture
def mixed_1_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store whose first batch was written at 1.1 (no site/month columns), the second at 1.2."""
    store = open_store(str(tmp_path / "defcorpus-data"))
    publish(store, "minisite", [make_article("old", published="2022-11-03")], OLD_BATCH, inputs=["raw/old.warc.gz"])
    downgrade_to_1_1(store, OLD_BATCH)
    publish(store, "other", [make_article("new", published="2022-12-04", site="other")], NEW_BATCH, inputs=[])
    return in_reader_dir(tmp_path, monkeypatch)


# Hugging Face datasets ignores Hive paths: on a mixed store it needs `defcorpus compact` (docs/schema.md).
@pytest.mark.parametrize("line", [r for r in readme_reader_lines() if "datasets" not in r], ids=lambda r: r.split()[1])
def test_readme_readers_give_site_and_month_on_a_store_mixing_1_1_and_1_2_files(mixed_1_1: Path, line: str) -> None:
    name, value = run_reader_line(line)
    assert site_months(name, value) == [("minisite", "2022-11"), ("other", "2022-12")]
    rows = corpus.open(open_store(str(mixed_1_1 / "defcorpus-data"))).articles().to_pylist()
    assert [(r["site"], r["month"]) for r in rows] == [("minisite", "2022-11"), ("other", "2022-12")]


def test_compaction_writes_the_partition_columns_into_1_1_files(mixed_1_1: Path) -> None:
    store = open_store(str(mixed_1_1 / "defcorpus-data"))
    old = next(f.key for m in read_manifests(store, "minisite") for f in m.files)
    assert not has_partition_columns(store, old)
    assert compact(store, "minisite", "20230301T000000Z-abcd0006") is not None
    assert all(has_partition_columns(store, f.key) for f in live_files(read_manifests(store, "minisite")))


def test_conform_fills_an_added_column_with_its_default_and_refuses_a_missing_required_one() -> None:
    table = pa.table({"id": ["x"], "schema_version": ["1.0"]})
    with pytest.raises(ValueError, match="'url'"):
        conform(table)
    row = make_article("x").model_dump(exclude={"site", "paywalled"})
    with pytest.raises(ValueError, match="'site'"):  # a partition column comes from the key, or nowhere
        conform(pa.Table.from_pylist([row]))
    conformed = conform(pa.Table.from_pylist([row]), {"site": "minisite", "month": "2022-12"})
    assert conformed.column("paywalled").to_pylist() == [False]
    assert conformed.column_names[-3:] == ["paywalled", "site", "month"]
    assert conformed.num_columns == len(Article.model_fields) + 1
    assert conformed.column("site").to_pylist() == ["minisite"] and conformed.column("month").to_pylist() == ["2022-12"]

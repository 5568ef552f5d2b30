"""``clean --workers N`` publishes exactly what one process publishes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import corpus
from corpus.store import open_store
from crawlers.sites import get_site
from defcorpus import clean, parallel
from defcorpus.cli import main
from tests.defcorpus.test_clean_chunks import CHUNK, write_backlog


def test_two_workers_publish_the_same_ids_and_content_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clean, "CLEAN_CHUNK_PAGES", CHUNK)  # several chunks: the pool serves each
    monkeypatch.setattr(parallel, "_PER_TASK", 1)  # each page its own task: both workers get some
    site, tables = get_site("minisite"), {}
    for workers in (1, 2):
        store = open_store(str(tmp_path / f"store-{workers}"))
        (tmp_path / f"w{workers}").mkdir()
        write_backlog(store, site, tmp_path / f"w{workers}")
        report = clean.clean_site(store, site, workers=workers)
        assert report.articles_published > 0
        tables[workers] = corpus.open(store).articles(latest=False).sort_by("id")
    one, two = tables[1], tables[2]
    assert one["id"].to_pylist() == two["id"].to_pylist()
    assert one["content_hash"].to_pylist() == two["content_hash"].to_pylist()
    same = ("body", "headline", "authors", "author_bios", "date_published", "near_duplicate_of", "url")
    assert one.select(same).to_pylist() == two.select(same).to_pylist()


def test_workers_must_be_at_least_one_and_not_with_reclean(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    runner = CliRunner()
    zero = runner.invoke(main, ["clean", "--store", store, "--workers", "0"])
    assert zero.exit_code == 2 and "--workers" in zero.output
    both = runner.invoke(main, ["clean", "--store", store, "--workers", "2", "--reclean"])
    assert both.exit_code == 2 and "--reclean runs in one process" in both.output
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").rglob("*.parquet"))

"""The published table: versions, history, compaction, and a publish killed half-way (both backends)."""

from __future__ import annotations

import pytest

import corpus
from corpus import layout
from corpus.store import Store
from corpus.table import compact, partition_counts, publish, read_manifests
from defcorpus.repair import repair_site
from tests.support.articles import make_article
from tests.support.faults import kill_mid_publish


def test_new_version_latest_and_history(any_store: Store) -> None:
    v1 = make_article("frigate", "First version of the story.", fetched="2023-02-01")
    other = make_article("bomber", published="2022-11-20")
    publish(any_store, "minisite", [v1, other], "20230201T000000Z-aaaa0001", inputs=["raw/a.warc.gz"])
    v2 = make_article("frigate", "Second version, corrected.", fetched="2023-02-02")
    publish(any_store, "minisite", [v2], "20230202T000000Z-aaaa0002", inputs=["raw/b.warc.gz"])
    reader = corpus.open(any_store)
    latest = {r["id"]: r for r in reader.articles().to_pylist()}
    assert len(latest) == 2
    assert latest[v1.id]["body"] == "Second version, corrected."
    history = reader.articles(latest=False).to_pylist()
    assert sorted(r["body"] for r in history if r["id"] == v1.id) == [
        "First version of the story.",
        "Second version, corrected.",
    ]


def test_date_window_and_site_filters(any_store: Store) -> None:
    three = [
        make_article(slug, published=day)
        for slug, day in (("a", "2022-11-30"), ("b", "2022-12-01"), ("c", "2023-01-01"))
    ]
    publish(any_store, "minisite", three, "20230201T000000Z-bbbb0001", [])
    dec = corpus.open(any_store).articles(since="2022-12-01", until="2023-01-01").to_pylist()
    assert [r["headline"] for r in dec] == ["Headline b"]
    assert corpus.open(any_store).articles(site="other").num_rows == 0
    assert partition_counts(any_store) == [
        {"site": "minisite", "month": m, "rows": 1, "paywalled": 0} for m in ("2022-11", "2022-12", "2023-01")
    ]


def test_compaction_changes_files_not_rows(any_store: Store) -> None:
    for n in range(3):
        batch = [
            make_article(f"story-{n}", f"Text {n}.", fetched=f"2023-02-0{n + 1}"),
            make_article("rolling", f"Rolling version {n}.", fetched=f"2023-02-0{n + 1}"),
        ]
        publish(any_store, "minisite", batch, f"20230201T00000{n}Z-cccc000{n}", inputs=[f"raw/{n}.warc.gz"])
    reader = corpus.open(any_store)
    before_latest, before_all = reader.articles().to_pylist(), reader.articles(latest=False).to_pylist()
    files_before = any_store.list("clean/site=minisite/")
    manifest = compact(any_store, "minisite", "20230301T000000Z-dddd0001")
    assert manifest is not None and len(manifest.supersedes) == 3
    assert len(any_store.list("clean/site=minisite/")) == 1 < len(files_before)
    assert reader.articles().to_pylist() == before_latest
    assert sorted(map(str, reader.articles(latest=False).to_pylist())) == sorted(map(str, before_all))
    assert compact(any_store, "minisite", "20230301T000000Z-dddd0002") is None  # nothing left to merge
    assert repair_site(any_store, "minisite") == []
    assert any_store.list(layout.STAGING_PREFIX) == []  # every staged file was promoted


def test_publish_killed_before_its_manifest_leaves_nothing_visible(any_store: Store) -> None:
    kill_mid_publish(any_store, "manifest")
    assert len(any_store.list(layout.staging_site_prefix("minisite"))) == 2  # the data files landed, staged …
    assert any_store.list("clean/site=minisite/") == []  # … where no reader of the files looks
    assert read_manifests(any_store) == []  # … and no manifest, so:
    assert corpus.open(any_store).articles().num_rows == 0
    assert repair_site(any_store, "minisite") == []  # not damage: a batch that never committed
    assert any_store.list(layout.STAGING_PREFIX) == []
    publish(any_store, "minisite", [make_article("nov", published="2022-11-02")], "20230201T000001Z-eeee0002", [])
    assert corpus.open(any_store).articles().num_rows == 1


def test_publish_killed_mid_promotion_is_whole_for_the_reader_and_finished_by_the_next_clean(
    any_store: Store,
) -> None:
    kill_mid_publish(any_store, "promotion")
    assert len(read_manifests(any_store)) == 1  # committed
    assert len(any_store.list("clean/site=minisite/")) == 1  # one file in place, the other still staged
    assert corpus.open(any_store).articles().num_rows == 2  # the reader reads the staged copy
    assert repair_site(any_store, "minisite") == []
    assert len(any_store.list("clean/site=minisite/")) == 2
    assert any_store.list(layout.STAGING_PREFIX) == []
    assert corpus.open(any_store).articles().num_rows == 2


@pytest.mark.parametrize("batches", [1, 3])
def test_publish_retried_with_the_same_batch_id_after_promotion_is_idempotent(any_store: Store, batches: int) -> None:
    """A promotion is a create-only copy then a delete: running it again changes nothing."""
    from corpus.table import promote

    for n in range(batches):
        publish(any_store, "minisite", [make_article(f"s{n}", published="2022-11-02")], f"20230201T00000{n}Z-ab", [])
    for key in any_store.list("clean/site=minisite/"):
        promote(any_store, key, any_store.read(key))
    assert any_store.list(layout.STAGING_PREFIX) == []
    assert corpus.open(any_store).articles().num_rows == batches

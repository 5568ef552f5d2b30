"""The stored version index: exact membership (text and metadata), partitions read only where ids fall,
create-only then CAS writes, and an index of the format before metadata rebuilt, not trusted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from corpus import layout
from corpus.errors import KeyChangedError
from corpus.store import Store, open_store
from corpus.version_index import (
    PARTITIONS,
    IndexDamagedError,
    Version,
    VersionIndex,
    metadata_fingerprint,
    partition_of,
    source_digest,
    version_digest,
)

DATED = metadata_fingerprint({"date_published": datetime(2024, 5, 1, 9, tzinfo=UTC), "authors": ["Jane Roe"]})
UNDATED = metadata_fingerprint({"authors": ["Jane Roe"]})


def v(article_id: str, content_hash: str, fingerprint: bytes = DATED, fetched_us: int = 1_000) -> Version:
    return Version(article_id, content_hash, fingerprint, fetched_us)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "store"))


def test_saved_versions_are_found_after_reopening(store: Store) -> None:
    index = VersionIndex(store, "site-a")
    versions = [v(f"id-{i}", f"hash-{i % 5}") for i in range(2000)]
    index.add_all(versions)
    index.folded.add("20240101T000000Z-00000000")
    index.save()
    again = VersionIndex.open(store, "site-a")
    assert again.folded == {"20240101T000000Z-00000000"}
    assert all(version in again for version in versions)
    assert v("id-1", "hash-2") not in again  # a known id with other content: a new version
    assert v("id-new", "hash-0") not in again
    assert v("id-1", "hash-1", UNDATED, 2_000) not in again  # the same text, other metadata, fetched later
    assert v("id-1", "hash-1", UNDATED, 500) in again  # ... fetched before the published row: nothing new
    partitions = [k for k in store.list(layout.version_index_prefix("site-a")) if k.endswith(".bin")]
    assert len(partitions) == PARTITIONS  # 2,000 ids fill every partition


def test_a_lookup_reads_only_the_partitions_its_ids_fall_in(store: Store) -> None:
    index = VersionIndex(store, "site-a")
    index.add_all(v(f"id-{i}", "h") for i in range(5000))
    index.save()
    reopened = VersionIndex.open(store, "site-a")
    asked = ["id-1", "id-2", "id-3"]
    reopened.load(asked)
    assert reopened.reads == len({partition_of(a) for a in asked})
    assert all(v(a, "h") in reopened for a in asked)
    assert reopened.reads == len({partition_of(a) for a in asked})  # kept: not read twice


def test_no_root_or_an_unreadable_one_or_partition_is_damage(store: Store) -> None:
    with pytest.raises(IndexDamagedError, match="no version index"):
        VersionIndex.open(store, "site-a")
    index = VersionIndex(store, "site-a")
    index.add(v("id-1", "h"))
    index.save()
    key = layout.version_index_partition_key("site-a", partition_of("id-1"))
    store.write(key, b"DCVI2\n" + b"x" * 7)  # cut short
    with pytest.raises(IndexDamagedError, match="unreadable"):
        VersionIndex.open(store, "site-a").load(["id-1"])
    store.delete(key)
    with pytest.raises(IndexDamagedError, match="gone"):
        VersionIndex.open(store, "site-a").load(["id-1"])
    store.write(layout.version_index_root_key("site-a"), b"{not json")
    with pytest.raises(IndexDamagedError, match="root unreadable"):
        VersionIndex.open(store, "site-a")


def test_a_partition_written_before_a_crash_is_merged_not_lost(store: Store) -> None:
    """A clean that wrote a partition and died before its root: the next save merges with it."""
    crashed = VersionIndex(store, "site-a")
    crashed.add(v("id-1", "h1"))
    crashed._write(partition_of("id-1"))  # the partition only, no root
    fresh = VersionIndex(store, "site-a")
    fresh.add(v("id-1", "h2"))
    fresh.save()
    again = VersionIndex.open(store, "site-a")
    assert v("id-1", "h1") in again and v("id-1", "h2") in again


def test_two_writers_of_one_partition_do_not_both_win(store: Store) -> None:
    index = VersionIndex(store, "site-a")
    index.add(v("id-1", "h"))
    index.save()
    first, second = VersionIndex.open(store, "site-a"), VersionIndex.open(store, "site-a")
    first.add(v("id-1", "h1"))
    second.add(v("id-1", "h2"))
    first.save()
    with pytest.raises(KeyChangedError):
        second.save()


def test_a_later_fetch_with_other_metadata_replaces_the_recorded_one_and_an_older_does_not(store: Store) -> None:
    index = VersionIndex(store, "site-a")
    index.add(v("id-1", "h", UNDATED, 1_000))  # the dates dropped (a crawler clock behind)
    index.add(v("id-1", "h", DATED, 2_000))  # a correct re-fetch: published, recorded
    index.add(v("id-1", "h", UNDATED, 1_500))  # an older fetch arriving late: history, not recorded
    index.save()
    again = VersionIndex.open(store, "site-a")
    assert v("id-1", "h", DATED, 3_000) in again  # an identical re-fetch: nothing new
    assert v("id-1", "h", UNDATED, 3_000) not in again  # the dates dropped again, later: what the page says now
    assert again.get("id-1", "h") is not None and again.get("id-1", "h").fingerprint == DATED  # type: ignore[union-attr]


def test_the_fingerprint_is_the_same_for_an_instant_in_any_offset_and_for_empty_lists() -> None:
    at = datetime(2024, 5, 1, 9, tzinfo=UTC)
    east = at.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert metadata_fingerprint({"date_published": east, "tags": None}) == metadata_fingerprint(
        {"date_published": at, "tags": []}
    )
    assert metadata_fingerprint({"date_published": at}) != metadata_fingerprint({"date_published": None})
    assert metadata_fingerprint({"section": "Air"}) != metadata_fingerprint({"section": "Land"})


def test_an_index_of_the_format_before_metadata_is_not_trusted(store: Store) -> None:
    """Format 1 held (id, content hash) only: opening it is damage, so its caller rebuilds from the table."""
    partition = partition_of("id-1")
    store.write(layout.version_index_partition_key("site-a", partition), b"DCVI1\n" + version_digest("id-1", "h"))
    root = {"format": 1, "partitions": PARTITIONS, "folded": [], "present": [partition]}
    store.write(layout.version_index_root_key("site-a"), json.dumps(root).encode())
    with pytest.raises(IndexDamagedError, match="another format"):
        VersionIndex.open(store, "site-a")


def test_the_pages_an_article_was_published_from_are_kept(store: Store) -> None:
    index = VersionIndex(store, "site-a")
    index.add(Version("id-1", "h1", DATED, 1_000, "http://site/a/"))
    index.add(Version("id-1", "h2", DATED, 2_000, "http://site/a/"))  # an edit of the same page
    index.add(Version("id-2", "h3", DATED, 1_000))  # no source said
    index.save()
    again = VersionIndex.open(store, "site-a")
    assert again.sources("id-1") == {source_digest("http://site/a/")}
    assert again.sources("id-2") == set()
    assert v("id-1", "h2", DATED, 2_000) in again

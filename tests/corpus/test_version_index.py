"""The stored version index: exact membership, partitions read only where ids fall, create-only then CAS writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import layout
from corpus.errors import KeyChangedError
from corpus.store import Store, open_store
from corpus.version_index import PARTITIONS, IndexDamagedError, VersionIndex, partition_of


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "store"))


def test_saved_versions_are_found_after_reopening(store: Store) -> None:
    index = VersionIndex(store, "site-a")
    versions = [(f"id-{i}", f"hash-{i % 5}") for i in range(2000)]
    index.add_all([v[0] for v in versions], [v[1] for v in versions])
    index.folded.add("20240101T000000Z-00000000")
    index.save()
    again = VersionIndex.open(store, "site-a")
    assert again.folded == {"20240101T000000Z-00000000"}
    assert all(v in again for v in versions)
    assert ("id-1", "hash-2") not in again  # a known id with other content: a new version
    assert ("id-new", "hash-0") not in again
    partitions = [k for k in store.list(layout.version_index_prefix("site-a")) if k.endswith(".bin")]
    assert len(partitions) == PARTITIONS  # 2,000 ids fill every partition


def test_a_lookup_reads_only_the_partitions_its_ids_fall_in(store: Store) -> None:
    index = VersionIndex(store, "site-a")
    index.add_all([f"id-{i}" for i in range(5000)], ["h"] * 5000)
    index.save()
    reopened = VersionIndex.open(store, "site-a")
    asked = ["id-1", "id-2", "id-3"]
    reopened.load(asked)
    assert reopened.reads == len({partition_of(a) for a in asked})
    assert all((a, "h") in reopened for a in asked)
    assert reopened.reads == len({partition_of(a) for a in asked})  # kept: not read twice


def test_no_root_or_an_unreadable_one_or_partition_is_damage(store: Store) -> None:
    with pytest.raises(IndexDamagedError, match="no version index"):
        VersionIndex.open(store, "site-a")
    index = VersionIndex(store, "site-a")
    index.add(("id-1", "h"))
    index.save()
    key = layout.version_index_partition_key("site-a", partition_of("id-1"))
    store.write(key, b"DCVI1\n" + b"x" * 7)  # cut short
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
    crashed.add(("id-1", "h1"))
    crashed._write(partition_of("id-1"))  # the partition only, no root
    fresh = VersionIndex(store, "site-a")
    fresh.add(("id-1", "h2"))
    fresh.save()
    again = VersionIndex.open(store, "site-a")
    assert ("id-1", "h1") in again and ("id-1", "h2") in again


def test_two_writers_of_one_partition_do_not_both_win(store: Store) -> None:
    index = VersionIndex(store, "site-a")
    index.add(("id-1", "h"))
    index.save()
    first, second = VersionIndex.open(store, "site-a"), VersionIndex.open(store, "site-a")
    first.add(("id-1", "h1"))
    second.add(("id-1", "h2"))
    first.save()
    with pytest.raises(KeyChangedError):
        second.save()

"""Some columns of a published file, read by byte ranges (``corpus.columns``): what a report reads."""

from __future__ import annotations

import random

import pytest

from corpus import layout
from corpus.columns import RangeFile, read_columns
from corpus.errors import DamagedFileError, KeyNotFoundError
from corpus.manifest import FileEntry
from corpus.store import Store
from corpus.table import live_files, publish, read_file, read_manifests
from tests.support.articles import make_article
from tests.support.old_schema import downgrade_to_1_0, has_paywalled_column


def long_body(seed: int) -> str:
    """Bodies are most of a file's bytes: random text, which compression cannot shrink."""
    rng = random.Random(seed)
    return " ".join(rng.randbytes(4).hex() for _ in range(5_000))


class CountingStore:
    """A store whose ranged reads are counted, in bytes."""

    def __init__(self, store: Store) -> None:
        self.store, self.bytes_read = store, 0

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        data = self.store.read_range(key, offset, length)
        self.bytes_read += len(data)
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


def published(store: Store) -> FileEntry:
    articles = [make_article(f"a{n}", long_body(n)) for n in range(20)]
    publish(store, "minisite", articles, "20230201T000000Z-00000001", inputs=[])
    (entry,) = live_files(read_manifests(store))
    return entry


def test_reads_the_columns_asked_and_not_the_bodies(any_store: Store) -> None:
    entry = published(any_store)
    counting = CountingStore(any_store)
    table = read_columns(counting, entry, ["id", "word_count", "site", "month"])  # type: ignore[arg-type]
    whole = read_file(any_store, entry.key)
    assert table.column_names == ["id", "word_count", "site", "month"]
    assert table.to_pylist() == whole.select(["id", "word_count", "site", "month"]).to_pylist()
    # pyarrow reads the last 64 KiB for the footer, then the chunks of the columns asked: not the bodies.
    assert 0 < counting.bytes_read < entry.bytes / 4


def test_a_column_an_older_file_lacks_reads_as_its_default(any_store: Store) -> None:
    published(any_store)
    downgrade_to_1_0(any_store, "20230201T000000Z-00000001")
    (entry,) = live_files(read_manifests(any_store))
    assert not has_paywalled_column(any_store, entry.key)
    table = read_columns(any_store, entry, ["id", "paywalled"])
    assert table["paywalled"].to_pylist() == [False] * 20


def test_a_damaged_or_missing_file_says_which(any_store: Store) -> None:
    entry = published(any_store)
    any_store.write(entry.key, b"PAR1 not really")
    with pytest.raises(DamagedFileError, match=entry.key):
        read_columns(any_store, entry.model_copy(update={"bytes": 15}), ["id"])
    gone = FileEntry(key=layout.clean_data_key("minisite", "2022-12", "20230301T000000Z-00000002", 0), bytes=100)
    with pytest.raises(KeyNotFoundError):
        read_columns(any_store, gone, ["id"])


def test_range_file_seeks_and_reads_like_a_file(any_store: Store) -> None:
    any_store.write("x/data.bin", bytes(range(256)))
    f = RangeFile(any_store, "x/data.bin", 256)
    assert f.seek(-6, 2) == 250 and f.read(10) == bytes(range(250, 256)) and f.read(1) == b""
    f.seek(3)
    assert f.read(2) == b"\x03\x04" and f.tell() == 5

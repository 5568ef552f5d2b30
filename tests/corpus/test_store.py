"""Behaviour of corpus.store: every contract test runs against the local and the S3 backend."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from corpus.errors import InvalidKeyError, KeyChangedError, KeyExistsError, KeyNotFoundError
from corpus.store import LocalStore, S3Store, Store
from tests.support.stores import WARC_KEY, big_file, raw_client


def race(workers: int, attempt: Callable[[int], None], loses: type[Exception]) -> list[bool]:
    """Start ``attempt(i)`` in ``workers`` threads at one instant; which of them won (did not raise ``loses``)."""
    barrier = threading.Barrier(workers)

    def one(i: int) -> bool:
        barrier.wait()
        try:
            attempt(i)
        except loses:
            return False
        return True

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(workers)))


# --------------------------------------------------------------------------- contract


def test_write_read_roundtrip(any_store: Store) -> None:
    payload = bytes(range(256)) * 4
    any_store.write(WARC_KEY, payload)
    assert any_store.read(WARC_KEY) == payload
    assert any_store.exists(WARC_KEY)
    assert not any_store.exists("raw/site=minisite")  # a "directory" is not an object
    assert any_store.uri(WARC_KEY).startswith(any_store.url + "/")


def test_uri_of_keys_and_prefixes(any_store: Store) -> None:
    assert any_store.uri("raw/site=minisite/") == any_store.url + "/raw/site=minisite/"
    assert any_store.uri(WARC_KEY) == f"{any_store.url}/{WARC_KEY}"
    assert any_store.uri("") == any_store.url
    with pytest.raises(InvalidKeyError):
        any_store.uri("../etc/passwd")


def test_write_empty_object(any_store: Store) -> None:
    any_store.write("state/empty.json", b"")
    assert any_store.read("state/empty.json") == b""


def test_overwrite_replaces_content(any_store: Store) -> None:
    any_store.write("state/crawl.json", b"old")
    any_store.write("state/crawl.json", b"new and longer")
    assert any_store.read("state/crawl.json") == b"new and longer"
    assert any_store.list() == ["state/crawl.json"]


def test_if_absent_creates_once_and_keeps_old_content(any_store: Store) -> None:
    any_store.write("manifest.json", b"first", if_absent=True)
    with pytest.raises(KeyExistsError, match=r"manifest\.json"):
        any_store.write("manifest.json", b"second", if_absent=True)
    assert any_store.read("manifest.json") == b"first"


def test_local_if_absent_race_has_exactly_one_winner(tmp_path: Path) -> None:
    """On S3 the guarantee is the server's (moto does not lock); locally it is ours."""
    any_store = LocalStore(tmp_path)
    results = race(8, lambda i: any_store.write("race.bin", str(i).encode(), if_absent=True), KeyExistsError)
    assert results.count(True) == 1
    assert any_store.read("race.bin") == str(results.index(True)).encode()


def test_replace_and_delete_only_the_version_that_was_read(any_store: Store) -> None:
    any_store.write("state/lease", b"first")
    data, tag = any_store.read_tagged("state/lease")
    assert data == b"first"
    assert tag == "8b04d5e3775d298e78455efc5ca404d5"  # MD5 of the content, the S3 ETag, on both backends
    any_store.replace("state/lease", b"second", if_match=tag)
    assert any_store.read("state/lease") == b"second"

    with pytest.raises(KeyChangedError, match="replaced since it was read"):
        any_store.replace("state/lease", b"third", if_match=tag)  # a stale tag: someone replaced it
    with pytest.raises(KeyChangedError, match="replaced since it was read"):
        any_store.delete("state/lease", if_match=tag)
    assert any_store.read("state/lease") == b"second"

    _, current = any_store.read_tagged("state/lease")
    any_store.delete("state/lease", if_match=current)
    assert not any_store.exists("state/lease")
    with pytest.raises(KeyChangedError, match="is gone"):
        any_store.replace("state/lease", b"fourth", if_match=current)
    with pytest.raises(KeyChangedError, match="is gone"):
        any_store.delete("state/lease", if_match=current)
    assert not any_store.exists("state/lease")


def test_local_replace_race_has_exactly_one_winner(tmp_path: Path) -> None:
    """Eight workers read the same version, then all replace it: one compare-and-swap wins."""
    store = LocalStore(tmp_path)
    store.write("state/lease", b"expired")
    _, tag = store.read_tagged("state/lease")
    results = race(8, lambda i: store.replace("state/lease", str(i).encode(), if_match=tag), KeyChangedError)
    assert results.count(True) == 1
    assert store.read("state/lease") == str(results.index(True)).encode()


def test_missing_key(any_store: Store, tmp_path: Path) -> None:
    with pytest.raises(KeyNotFoundError, match=r"nope/missing\.json"):
        any_store.read("nope/missing.json")
    with pytest.raises(KeyNotFoundError):
        any_store.download_file("nope/missing.json", tmp_path / "out.json")
    assert not any_store.exists("nope/missing.json")
    assert not (tmp_path / "out.json").exists()


def test_list_prefix_sorted_and_nested(any_store: Store) -> None:
    keys = [
        "raw/site=b/2026/11/x.warc.gz",
        "raw/site=a/2026/11/y.warc.gz",
        "raw/site=a/2026/10/z.warc.gz",
        "clean/part-0.parquet",
        "rawish.txt",
    ]
    for key in keys:
        any_store.write(key, b"x")
    assert any_store.list() == sorted(keys)
    assert any_store.list("raw/") == sorted(k for k in keys if k.startswith("raw/"))
    assert any_store.list("raw/site=a/2026") == [keys[2], keys[1]]
    assert any_store.list("raw") == sorted(k for k in keys if k.startswith("raw"))  # plain string prefix
    assert any_store.list("nothing/here/") == []


def test_list_paginates(any_store: Store) -> None:
    """Small pages on S3 prove every page is followed; the local backend has no pages."""
    for i in range(23):
        any_store.write(f"pages/{i:03d}", b"")
    store = any_store
    calls: list[str] = []
    if isinstance(any_store, S3Store):
        store = S3Store(any_store.bucket, any_store.prefix, endpoint_url=any_store.endpoint_url, page_size=5)
        store._client().meta.events.register("before-call.s3.ListObjectsV2", lambda **_: calls.append("page"))
    assert store.list("pages/") == [f"pages/{i:03d}" for i in range(23)]
    if isinstance(any_store, S3Store):
        assert len(calls) == 5


def test_delete_is_idempotent(any_store: Store) -> None:
    any_store.write("a/b", b"1")
    any_store.write("a/c", b"2")
    any_store.delete("a/b")
    any_store.delete("a/b")
    any_store.delete("never/existed")
    assert any_store.list() == ["a/c"]
    assert not any_store.exists("a/b")


def test_upload_and_download_large_file(any_store: Store, tmp_path: Path) -> None:
    src = big_file(tmp_path)
    any_store.upload_file(WARC_KEY, src)
    out = tmp_path / "nested" / "dir" / "copy.bin"
    any_store.download_file(WARC_KEY, out)
    assert out.read_bytes() == src.read_bytes()
    if isinstance(any_store, S3Store):  # a multipart ETag is "<md5>-<parts>"
        head = raw_client(any_store).head_object(Bucket=any_store.bucket, Key=f"corpus/{WARC_KEY}")
        assert head["ETag"].strip('"').endswith("-3")


def test_upload_if_absent(any_store: Store, tmp_path: Path) -> None:
    big = big_file(tmp_path)
    small = tmp_path / "small.txt"
    small.write_bytes(b"small")
    any_store.upload_file("big.bin", big, if_absent=True)  # create-only multipart on S3
    any_store.upload_file("small.txt", small, if_absent=True)
    with pytest.raises(KeyExistsError):
        any_store.upload_file("big.bin", small, if_absent=True)
    with pytest.raises(KeyExistsError):
        any_store.upload_file("small.txt", big, if_absent=True)
    assert any_store.read("big.bin") == big.read_bytes()
    assert any_store.read("small.txt") == b"small"


def test_download_replaces_existing_destination(any_store: Store, tmp_path: Path) -> None:
    any_store.write("k", b"fresh")
    dest = tmp_path / "dest.bin"
    dest.write_bytes(b"stale content that is longer")
    any_store.download_file("k", dest)
    assert dest.read_bytes() == b"fresh"


def test_is_empty_until_the_first_object(any_store: Store) -> None:
    assert any_store.is_empty()
    any_store.write("state/x/a.json", b"{}")
    assert not any_store.is_empty()
    any_store.delete("state/x/a.json")
    assert any_store.is_empty()

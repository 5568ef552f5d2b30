"""Behaviour of corpus.store: every contract test runs against the local and the S3 backend."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse

from corpus.errors import (
    InvalidKeyError,
    KeyChangedError,
    KeyExistsError,
    KeyNotFoundError,
    StoreConfigError,
    StoreError,
    StoreUnavailableError,
)
from corpus.store import TMP_PREFIX, LocalStore, S3Store, Store, open_store, validate_key
from tests.support.http import free_port

WARC_KEY = "raw/site=minisite/2026/11/crawl-20261124T220000Z-0001.warc.gz"
MiB = 1024 * 1024


def _raw_client(store: S3Store) -> Any:
    return boto3.session.Session().client("s3", endpoint_url=store.endpoint_url)


def _big_file(tmp_path: Path, size: int = 20 * MiB, name: str = "big.bin") -> Path:
    path = tmp_path / name
    block = os.urandom(MiB)
    with path.open("wb") as fh:
        for i in range(size // MiB):
            fh.write(bytes([i % 256]) + block[1:])  # distinct parts catch reordering bugs
    return path


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
    src = _big_file(tmp_path)
    any_store.upload_file(WARC_KEY, src)
    out = tmp_path / "nested" / "dir" / "copy.bin"
    any_store.download_file(WARC_KEY, out)
    assert out.read_bytes() == src.read_bytes()
    if isinstance(any_store, S3Store):  # a multipart ETag is "<md5>-<parts>"
        head = _raw_client(any_store).head_object(Bucket=any_store.bucket, Key=f"corpus/{WARC_KEY}")
        assert head["ETag"].strip('"').endswith("-3")


def test_upload_if_absent(any_store: Store, tmp_path: Path) -> None:
    big = _big_file(tmp_path)
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


BAD_KEYS = ["../x", "a/../../x", "/abs", "a//b", "a/./b", "a\\b", "", "a\x00b", "a\nb", "a/", ".", ".tmp-1/x"]
OPERATIONS: dict[str, Callable[[Store, str], object]] = {
    "read": lambda s, k: s.read(k),
    "write": lambda s, k: s.write(k, b"x"),
    "write_if_absent": lambda s, k: s.write(k, b"x", if_absent=True),
    "exists": lambda s, k: s.exists(k),
    "delete": lambda s, k: s.delete(k),
}


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_rejected(any_store: Store, key: str, tmp_path: Path) -> None:
    for name, op in OPERATIONS.items():
        with pytest.raises(InvalidKeyError):
            op(any_store, key)
            pytest.fail(f"{name} accepted {key!r}")
    with pytest.raises(InvalidKeyError):
        any_store.upload_file(key, __file__)
    with pytest.raises(InvalidKeyError):
        any_store.download_file(key, tmp_path / "out")
    assert any_store.list() == []


def test_invalid_list_prefix_is_rejected(any_store: Store) -> None:
    with pytest.raises(InvalidKeyError):
        any_store.list("../")


# --------------------------------------------------------------------------- validate_key


@pytest.mark.parametrize("key", [WARC_KEY, "a", "state/crawl.json", "é/ü.txt", "a..b/.hidden", "x" * 1024])
def test_validate_key_accepts(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("key", ["x" * 1025, "é" * 513, "a\x7fb", "a\x1fb", "a\x85b", "\udc80", ".."])
def test_validate_key_rejects(key: str) -> None:
    with pytest.raises(InvalidKeyError):
        validate_key(key)


# --------------------------------------------------------------------------- open_store


def test_open_store_plain_path_creates_the_directory_on_first_write_only(tmp_path: Path) -> None:
    """Opening is what a read-only command does: a mistyped path must not become an empty store."""
    store = open_store(str(tmp_path / "new" / "dir"))
    assert isinstance(store, LocalStore)
    assert store.url == (tmp_path / "new" / "dir").resolve().as_uri()
    assert store.list() == [] and store.is_empty() and not store.exists("k")
    with pytest.raises(KeyNotFoundError):
        store.read("k")
    assert not (tmp_path / "new").exists()
    store.write("k", b"v")
    assert (tmp_path / "new" / "dir" / "k").read_bytes() == b"v"


def test_a_file_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(StoreConfigError, match="is not a directory"):
        open_store(str(tmp_path / "f"))


def test_is_empty_until_the_first_object(any_store: Store) -> None:
    assert any_store.is_empty()
    any_store.write("state/x/a.json", b"{}")
    assert not any_store.is_empty()
    any_store.delete("state/x/a.json")
    assert any_store.is_empty()


@pytest.mark.parametrize("endpoint", ["127.0.0.1:9000", "localhost:9000", "ftp://h:21"])
def test_an_endpoint_without_an_http_scheme_is_refused_on_open(endpoint: str) -> None:
    with pytest.raises(StoreConfigError, match=f"S3 endpoint '{re.escape(endpoint)}' must be an http"):
        open_store("s3://bucket/x", s3_endpoint_url=endpoint)


def test_open_store_file_url_roundtrips(tmp_path: Path) -> None:
    store = open_store(f"file://{tmp_path}/site=a b")
    assert isinstance(store, LocalStore)
    assert store.root == (tmp_path / "site=a b").resolve()
    reopened = open_store(store.url)
    assert isinstance(reopened, LocalStore)
    assert reopened.root == store.root
    store.write("k", b"v")
    assert (tmp_path / "site=a b" / "k").read_bytes() == b"v"
    assert store.uri("k") == store.url + "/k"


@pytest.mark.parametrize(
    ("url", "bucket", "prefix", "canonical"),
    [
        ("s3://my-bucket/corpus/v1", "my-bucket", "corpus/v1", "s3://my-bucket/corpus/v1"),
        ("s3://my-bucket/corpus/", "my-bucket", "corpus", "s3://my-bucket/corpus"),
        ("s3://my-bucket", "my-bucket", "", "s3://my-bucket"),
        ("S3://my-bucket/", "my-bucket", "", "s3://my-bucket"),
    ],
)
def test_open_store_s3_urls(url: str, bucket: str, prefix: str, canonical: str) -> None:
    store = open_store(url, s3_endpoint_url="http://127.0.0.1:9")  # no network until first use
    assert isinstance(store, S3Store)
    assert (store.bucket, store.prefix, store.url) == (bucket, prefix, canonical)
    assert store.uri("a/b") == f"{canonical}/a/b"


def test_open_store_endpoint_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFCORPUS_S3_ENDPOINT_URL", "http://minio.internal:9000")
    store = open_store("s3://bucket-x/p")
    assert isinstance(store, S3Store)
    assert store.endpoint_url == "http://minio.internal:9000"
    explicit = open_store("s3://bucket-x/p", s3_endpoint_url="http://other:1")
    assert isinstance(explicit, S3Store)
    assert explicit.endpoint_url == "http://other:1"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/x", "ftp://example.org/x"),
        ("gs://bucket/prefix", "gs://bucket/prefix"),
        ("s3://", "no bucket"),
        ("s3:///prefix", "no bucket"),
        ("s3://bucket/a//b", "invalid prefix"),
        ("file://host/dir", "file:///absolute/dir"),
        ("", "empty"),
    ],
)
def test_open_store_rejects_bad_urls(url: str, message: str) -> None:
    with pytest.raises(StoreConfigError, match=message):
        open_store(url)


def test_open_store_never_echoes_url_secrets() -> None:
    for url in ("https://user:hunter2@example.org/x?token=hunter2", "s3://user:hunter2@bucket/x"):
        with pytest.raises(StoreConfigError) as info:
            open_store(url)
        assert "hunter2" not in str(info.value)


# --------------------------------------------------------------------------- failures


def test_dead_endpoint_is_unavailable_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-value-never-shown")
    endpoint = f"http://127.0.0.1:{free_port()}"
    store = S3Store("corpus-bucket", "p", endpoint_url=endpoint, max_attempts=2, connect_timeout=1)
    sent: list[str] = []
    send = botocore.endpoint.Endpoint._send

    def counted(endpoint: Any, request: Any) -> Any:
        sent.append(request.method)
        return send(endpoint, request)

    monkeypatch.setattr(botocore.endpoint.Endpoint, "_send", counted)
    for op in (lambda: store.read("secret/path.json"), lambda: store.write("secret/path.json", b"x")):
        sent.clear()
        with pytest.raises(StoreUnavailableError) as info:
            op()
        # quick means bounded: the configured attempts (of the bucket check), then the error
        assert len(sent) == 2
        message = str(info.value)
        assert f"S3 endpoint {endpoint} is unreachable" in message
        assert "corpus-bucket" in message
        assert "s3cr3t" not in message
        assert "secret/path.json" not in message


def test_server_errors_become_unavailable_after_retries(s3_bucket: tuple[str, str]) -> None:
    endpoint_url, bucket = s3_bucket
    store = S3Store(bucket, endpoint_url=endpoint_url, max_attempts=2)
    attempts: list[int] = []

    class _Raw:
        def stream(self, **_: Any) -> list[bytes]:
            return [b"<Error><Code>SlowDown</Code></Error>"]

    def fail(request: Any, **_: Any) -> AWSResponse:
        attempts.append(1)
        return AWSResponse(request.url, 503, {}, _Raw())

    store._client().meta.events.register("before-send.s3.GetObject", fail)
    with pytest.raises(StoreUnavailableError, match="HTTP 503"):
        store.read("k")
    assert len(attempts) == 2


def test_missing_bucket_is_config_error(s3_bucket: tuple[str, str]) -> None:
    endpoint_url, _ = s3_bucket
    ops: list[Callable[[Store], object]] = [
        lambda s: s.read("k"),
        lambda s: s.exists("k"),
        lambda s: s.write("k", b"x"),
        lambda s: s.list(),
    ]
    for op in ops:
        store = S3Store("defcorpus-no-such-bucket", endpoint_url=endpoint_url)
        expected = f"bucket defcorpus-no-such-bucket does not exist at endpoint {endpoint_url}"
        with pytest.raises(StoreConfigError, match=re.escape(expected)):
            op(store)


def test_s3_prefix_isolates_stores(s3_bucket: tuple[str, str]) -> None:
    endpoint_url, bucket = s3_bucket
    one = open_store(f"s3://{bucket}/one", s3_endpoint_url=endpoint_url)
    one_two = open_store(f"s3://{bucket}/one-two", s3_endpoint_url=endpoint_url)
    one.write("k", b"1")
    one_two.write("k", b"2")
    assert one.list() == ["k"]
    assert one_two.read("k") == b"2"
    assert open_store(f"s3://{bucket}", s3_endpoint_url=endpoint_url).list() == ["one-two/k", "one/k"]


@pytest.mark.parametrize("failing", ["replace", "fsync", "link"])
def test_local_failed_write_leaves_no_partial_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    store = LocalStore(tmp_path / "store")
    store.write("state/a.json", b"old")

    def boom(*_: object, **__: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, boom)
    if failing != "link":
        with pytest.raises(StoreError, match="No space left"):
            store.write("state/a.json", b"new")
    with pytest.raises(StoreError, match="No space left"):
        store.write("state/b.json", b"new", if_absent=failing == "link")
    monkeypatch.undo()
    assert store.read("state/a.json") == b"old"
    assert store.list() == ["state/a.json"]
    assert not [p for p in (tmp_path / "store").rglob("*") if p.name.startswith(TMP_PREFIX)]


def test_local_list_hides_temp_files(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.write("d/k", b"1")
    (tmp_path / "d" / f"{TMP_PREFIX}leftover").write_bytes(b"partial")
    assert store.list() == ["d/k"]
    with pytest.raises(InvalidKeyError):
        store.exists(f"d/{TMP_PREFIX}leftover")


def test_s3_create_only_multipart_is_guarded_at_completion(
    s3_bucket: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer wins between our HEAD check and CompleteMultipartUpload: 412, not overwrite."""
    endpoint_url, bucket = s3_bucket
    store = S3Store(bucket, "p", endpoint_url=endpoint_url, part_size=5 * MiB)
    store.write("big.bin", b"winner")
    monkeypatch.setattr(S3Store, "_head", lambda *_: False)  # simulate the race window
    with pytest.raises(KeyExistsError):
        store.upload_file("big.bin", _big_file(tmp_path, 12 * MiB), if_absent=True)
    assert store.read("big.bin") == b"winner"
    assert "Uploads" not in _raw_client(store).list_multipart_uploads(Bucket=bucket)  # aborted

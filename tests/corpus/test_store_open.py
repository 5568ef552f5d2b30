"""Opening a store from what a user types: paths, file and s3 URLs, endpoints, mistakes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus.errors import KeyNotFoundError, StoreConfigError
from corpus.store import LocalStore, S3Store, open_store


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

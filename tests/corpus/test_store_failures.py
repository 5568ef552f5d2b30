"""How the backends fail: dead endpoints, server errors, missing buckets, full disks, races."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse

from corpus.errors import InvalidKeyError, KeyExistsError, StoreConfigError, StoreError, StoreUnavailableError
from corpus.store import TMP_PREFIX, LocalStore, S3Store, Store, open_store
from tests.support.http import free_port
from tests.support.stores import MiB, big_file, raw_client


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
        store.upload_file("big.bin", big_file(tmp_path, 12 * MiB), if_absent=True)
    assert store.read("big.bin") == b"winner"
    assert "Uploads" not in raw_client(store).list_multipart_uploads(Bucket=bucket)  # aborted

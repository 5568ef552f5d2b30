"""The S3 backend, for any S3-compatible endpoint (AWS, MinIO, moto).

Imported only when an ``s3://`` store is opened: boto3 and botocore cost a local-directory user
(the demo, a laptop's crawl) a second of start-up and pull in nothing it uses.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError
from s3transfer.exceptions import RetriesExceededError

from corpus import redact
from corpus.errors import (
    InvalidKeyError,
    KeyChangedError,
    KeyExistsError,
    KeyNotFoundError,
    StoreConfigError,
    StoreError,
    StoreUnavailableError,
)
from corpus.store.base import MAX_KEY_BYTES, MiB, Store, check_range, validate_key, validate_prefix

logger = logging.getLogger(__name__)

_MAX_PARTS = 10_000  # S3 limit per multipart upload
_ENDPOINT_ENV_VARS = ("DEFCORPUS_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
BUCKET_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]")
_UNREACHABLE_ERRORS = (BotoConnectionError, HTTPClientError, RetriesExceededError)
_BOTO_ERRORS = (BotoCoreError, ClientError, RetriesExceededError)
_redact = redact.url


def _resolve_endpoint(explicit: str | None) -> str | None:
    """Explicit argument first, then DEFCORPUS_S3_ENDPOINT_URL, then boto3's own variables.

    Checked here, on open: botocore refuses an endpoint without a scheme (``127.0.0.1:9000``) only
    when the first request is made, with a ValueError that names no setting.
    """
    source = ""
    if not explicit:
        source, explicit = next(((v, os.environ[v]) for v in _ENDPOINT_ENV_VARS if os.environ.get(v)), ("", None))
    if explicit is None:
        return None
    parts = urlsplit(explicit)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        shown = _redact(explicit) if "://" in explicit else explicit.rpartition("@")[2]
        origin = f" (from {source})" if source else ""
        hint = f"; did you mean http://{shown}?" if "://" not in explicit else ""
        raise StoreConfigError(f"S3 endpoint {shown!r}{origin} must be an http:// or https:// URL{hint}")
    return explicit


class S3Store(Store):
    """Store under ``s3://bucket/prefix`` on any S3-compatible endpoint.

    Why the knobs: retries/timeouts default to production values, tests lower them so
    failure paths stay fast. The client is built lazily, once, and the bucket is
    checked on first use so a typo surfaces as StoreConfigError rather than as
    "key not found".
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        max_attempts: int = 5,
        connect_timeout: float = 5,
        read_timeout: float = 60,
        part_size: int = 8 * MiB,
        max_concurrency: int = 8,
        page_size: int = 1000,
    ) -> None:
        if not BUCKET_RE.fullmatch(bucket or ""):
            raise StoreConfigError(f"invalid S3 bucket name {bucket[:70]!r}")
        self.bucket = bucket
        self.prefix = validate_prefix(prefix.strip("/")) if prefix.strip("/") else ""
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        redact.install()  # botocore logs credentials at DEBUG: scrubbed however this store was made
        self.endpoint_url = redact.without_userinfo(_resolve_endpoint(endpoint_url))
        self._config = Config(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            s3={"addressing_style": "path"} if self.endpoint_url else None,
        )
        self._transfer = TransferConfig(
            multipart_threshold=part_size,
            multipart_chunksize=part_size,
            max_concurrency=max_concurrency,
            preferred_transfer_client="classic",
        )
        self._part_size = part_size
        self._max_concurrency = max_concurrency
        self._page_size = page_size
        self._lock = threading.Lock()
        self._s3: Any = None
        self._bucket_checked = False

    # -- plumbing

    def _endpoint_label(self) -> str:
        if self.endpoint_url or self._s3 is not None:
            return _redact(self.endpoint_url or self._s3.meta.endpoint_url)
        return "(default AWS endpoint)"

    def _client(self) -> Any:
        """Build the boto3 client once (thread-safe) and verify the bucket on first use."""
        with self._lock:
            if self._s3 is None:
                session = boto3.session.Session()  # own session: the default one is not thread-safe
                redact.remember_credentials_of(session)
                self._s3 = session.client("s3", endpoint_url=self.endpoint_url, config=self._config)
            if not self._bucket_checked:
                try:
                    self._s3.head_bucket(Bucket=self.bucket)
                except _BOTO_ERRORS as exc:
                    # 403: no s3:ListBucket permission; object calls will tell.
                    if not isinstance(exc, ClientError) or _status(exc) != 403:
                        raise self._translate(exc, None) from exc
                self._bucket_checked = True
            return self._s3

    @contextlib.contextmanager
    def _calls(self, key: str | None, *, creating: bool = False, conditional: bool = False) -> Iterator[Any]:
        """Yield the client and translate botocore failures into StoreError subclasses."""
        try:
            yield self._client()
        except _BOTO_ERRORS as exc:
            raise self._translate(exc, key, creating=creating, conditional=conditional) from exc

    def _translate(
        self, exc: Exception, key: str | None, *, creating: bool = False, conditional: bool = False
    ) -> StoreError:
        """Map a botocore error to our hierarchy; messages name endpoint/bucket, never secrets."""
        endpoint = self._endpoint_label()
        where = f"bucket {self.bucket} at endpoint {endpoint}"
        unreachable = f"S3 endpoint {endpoint} is unreachable: {{}} (bucket {self.bucket})"
        if isinstance(exc, _UNREACHABLE_ERRORS):
            return StoreUnavailableError(unreachable.format(type(exc).__name__))
        if isinstance(exc, NoCredentialsError):
            return StoreConfigError(
                f"no AWS credentials found for {where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
            )
        if not isinstance(exc, ClientError):
            return StoreError(f"S3 request to {where} failed: {type(exc).__name__}")
        code, status = str(exc.response.get("Error", {}).get("Code", "")), _status(exc)
        target = self.uri(key) if key else self.url
        if code == "NoSuchBucket" or (key is None and status == 404):
            return StoreConfigError(f"bucket {self.bucket} does not exist at endpoint {endpoint}")
        if conditional and status in (404, 412):
            what = "is gone" if status == 404 else "was replaced since it was read"
            return KeyChangedError(f"{target} {what}")
        if status == 404 or code in ("NoSuchKey", "NotFound"):
            return KeyNotFoundError(f"no such key: {target}")
        if creating and (status == 412 or code == "PreconditionFailed"):
            return KeyExistsError(f"key already exists: {target}")
        if status >= 500 or code in ("SlowDown", "ServiceUnavailable", "InternalError"):
            return StoreUnavailableError(unreachable.format(f"HTTP {status} {code} after retries"))
        if status == 403:
            return StoreConfigError(f"access denied ({code}) to {where}: check credentials and policy")
        return StoreError(f"S3 request for {target} failed: {code or 'error'} (HTTP {status})")

    def _full(self, key: str) -> str:
        full = f"{self.prefix}/{validate_key(key)}" if self.prefix else key
        if len(full.encode("utf-8")) > MAX_KEY_BYTES:
            raise InvalidKeyError(f"store key {key[:80]!r} is too long once prefixed with {self.prefix!r}")
        return full

    # -- operations

    def read(self, key: str) -> bytes:
        full = self._full(key)
        with self._calls(key) as s3:
            body = s3.get_object(Bucket=self.bucket, Key=full)["Body"]
            with body:
                data: bytes = body.read()
        return data

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        check_range(offset, length)
        full = self._full(key)
        with self._calls(key) as s3:
            body = s3.get_object(Bucket=self.bucket, Key=full, Range=f"bytes={offset}-{offset + length - 1}")["Body"]
            with body:
                data: bytes = body.read()
        return data

    def write(self, key: str, data: bytes, *, if_absent: bool = False) -> None:
        """A single PUT is atomic on S3; IfNoneMatch="*" makes it create-only (412 if present)."""
        full = self._full(key)
        extra = {"IfNoneMatch": "*"} if if_absent else {}
        with self._calls(key, creating=if_absent) as s3:
            try:
                s3.put_object(Bucket=self.bucket, Key=full, Body=data, **extra)
            except ClientError as exc:
                if not (if_absent and _status(exc) == 412 and self._holds(s3, full, data)):
                    raise
                # Our own PUT landed but its answer was lost (timeout, reset): botocore's retry met it.
                logger.info("create-only write of %s: already stored by our own earlier attempt", self.uri(key))
        logger.debug("stored %s (%d bytes)", self.uri(key), len(data))

    def _holds(self, s3: Any, full: str, data: bytes) -> bool:
        """True if the object at ``full`` is exactly ``data``."""
        try:
            body = s3.get_object(Bucket=self.bucket, Key=full)["Body"]
        except ClientError:
            return False
        with body:
            return bool(body.read() == data)

    def upload_file(self, key: str, path: str | os.PathLike[str], *, if_absent: bool = False) -> None:
        """Managed (parallel multipart) transfer; create-only uploads use our own multipart.

        Why: boto3's transfer manager cannot send IfNoneMatch, so with ``if_absent`` we
        complete the multipart upload ourselves with IfNoneMatch="*", which is atomic
        (CompleteMultipartUpload has IfNoneMatch since botocore 1.35; we require 1.40).
        """
        full, src = self._full(key), Path(path)
        size = src.stat().st_size
        with self._calls(key, creating=if_absent) as s3:
            if not if_absent:
                with create_transfer_manager(s3, self._transfer) as manager:
                    manager.upload(str(src), self.bucket, full).result()
            elif size <= self._part_size:
                with src.open("rb") as fh:
                    s3.put_object(Bucket=self.bucket, Key=full, Body=fh, IfNoneMatch="*")
            elif self._head(s3, full):  # skip uploading gigabytes that would be rejected anyway
                raise KeyExistsError(f"key already exists: {self.uri(key)}")
            else:
                self._multipart_create_only(s3, src, full)
        logger.debug("uploaded %s (%d bytes)", self.uri(key), size)

    def _multipart_create_only(self, s3: Any, src: Path, full: str) -> None:
        # Mirror s3transfer: send CRC32 part checksums unless the user opted out (when_required).
        wanted = s3.meta.config.request_checksum_calculation == "when_supported"
        checksum = {"ChecksumAlgorithm": "CRC32"} if wanted else {}
        upload_id = s3.create_multipart_upload(Bucket=self.bucket, Key=full, **checksum)["UploadId"]
        try:
            part_size = max(self._part_size, -(-src.stat().st_size // _MAX_PARTS))
            parts = self._upload_parts(s3, src, full, upload_id, part_size, checksum)
            s3.complete_multipart_upload(
                Bucket=self.bucket,
                Key=full,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
                IfNoneMatch="*",
            )
        except BaseException:
            with contextlib.suppress(BotoCoreError, ClientError):
                s3.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
            raise

    def _upload_parts(
        self, s3: Any, src: Path, full: str, upload_id: str, part_size: int, checksum: dict[str, str]
    ) -> builtins.list[dict[str, Any]]:
        """Upload parts in parallel, keeping at most ``max_concurrency`` parts in memory."""

        def send(number: int, chunk: bytes) -> dict[str, Any]:
            resp = s3.upload_part(
                Bucket=self.bucket, Key=full, UploadId=upload_id, PartNumber=number, Body=chunk, **checksum
            )
            part = {"ETag": resp["ETag"], "PartNumber": number}
            if checksum and "ChecksumCRC32" in resp:
                part["ChecksumCRC32"] = resp["ChecksumCRC32"]
            return part

        parts: builtins.list[dict[str, Any]] = []
        pending: builtins.list[Future[dict[str, Any]]] = []
        with src.open("rb") as fh, ThreadPoolExecutor(self._max_concurrency) as pool:
            for number, chunk in enumerate(iter(lambda: fh.read(part_size), b""), start=1):
                if len(pending) >= self._max_concurrency:
                    parts.append(pending.pop(0).result())
                pending.append(pool.submit(send, number, chunk))
            parts.extend(future.result() for future in pending)
        return parts

    def download_file(self, key: str, path: str | os.PathLike[str]) -> None:
        """s3transfer writes to a temp file next to ``path`` and renames it: atomic."""
        full, dest = self._full(key), Path(path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with self._calls(key) as s3, create_transfer_manager(s3, self._transfer) as manager:
            manager.download(self.bucket, full, str(dest)).result()

    def _head(self, s3: Any, full: str) -> bool:
        try:
            s3.head_object(Bucket=self.bucket, Key=full)
        except ClientError as exc:
            if _status(exc) == 404:
                return False
            raise
        return True

    def exists(self, key: str) -> bool:
        full = self._full(key)
        with self._calls(key) as s3:
            return self._head(s3, full)

    def list(self, prefix: str = "") -> builtins.list[str]:
        return sorted(self._listing(prefix))

    def list_stamped(self, prefix: str = "") -> dict[str, str]:
        listing = self._listing(prefix)
        return {key: listing[key] for key in sorted(listing)}

    def _listing(self, prefix: str) -> dict[str, str]:
        """Every key under ``prefix`` with its stamp (size and ETag), in as many LIST requests as pages."""
        root = f"{self.prefix}/" if self.prefix else ""
        paginator_args = {
            "Bucket": self.bucket,
            "Prefix": root + validate_prefix(prefix),
            "PaginationConfig": {"PageSize": self._page_size},
        }
        listing: dict[str, str] = {}
        with self._calls(None) as s3:
            for page in s3.get_paginator("list_objects_v2").paginate(**paginator_args):
                for obj in page.get("Contents", []):
                    listing[obj["Key"][len(root) :]] = f"{obj.get('Size', '')}:{obj.get('ETag', '')}"
        return listing

    def is_empty(self) -> bool:
        """One LIST request for at most one key, not a listing of the whole corpus."""
        root = f"{self.prefix}/" if self.prefix else ""
        with self._calls(None) as s3:
            return not s3.list_objects_v2(Bucket=self.bucket, Prefix=root, MaxKeys=1).get("Contents")

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        """With ``if_match``, a conditional DeleteObject (If-Match: ETag; 412 if replaced, 404 if gone)."""
        full = self._full(key)
        if if_match is None:
            with self._calls(key) as s3:
                s3.delete_object(Bucket=self.bucket, Key=full)
            return
        with self._calls(key, conditional=True) as s3:
            s3.delete_object(Bucket=self.bucket, Key=full, IfMatch=if_match)

    def read_tagged(self, key: str) -> tuple[bytes, str]:
        full = self._full(key)
        with self._calls(key) as s3:
            response = s3.get_object(Bucket=self.bucket, Key=full)
            with response["Body"] as body:
                data: bytes = body.read()
        return data, str(response["ETag"]).strip('"')

    def replace(self, key: str, data: bytes, *, if_match: str) -> None:
        """A conditional PutObject (If-Match: ETag), which S3 applies atomically.

        An endpoint without conditional writes ignores the header: the replace is then unconditional.
        """
        full = self._full(key)
        with self._calls(key, conditional=True) as s3:
            try:
                s3.put_object(Bucket=self.bucket, Key=full, Body=data, IfMatch=if_match)
            except ClientError as exc:
                if not (_status(exc) == 412 and self._holds(s3, full, data)):
                    raise
                logger.info("conditional replace of %s: already stored by our own earlier attempt", self.uri(key))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))

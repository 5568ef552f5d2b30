"""Object store for everything defcorpus persists: raw WARCs, state JSON, Parquet, manifests.

Why one interface: the pipeline runs against a local directory on a laptop and against
S3 (AWS, MinIO, moto) in production; both backends must behave identically, including
atomic writes, create-only writes and error types, so that the calling code has one path.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, unquote, urlsplit

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

__all__ = ["LocalStore", "S3Store", "Store", "open_store", "validate_key"]

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
MAX_KEY_BYTES = 1024
_MAX_PARTS = 10_000  # S3 limit per multipart upload
TMP_PREFIX = ".tmp-"  # local temp files; reserved so they can never collide with a real key
_FILE_URL_SAFE = "/=+,@:"
_ENDPOINT_ENV_VARS = ("DEFCORPUS_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
_BUCKET_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]")
_UNREACHABLE_ERRORS = (BotoConnectionError, HTTPClientError, RetriesExceededError)
_BOTO_ERRORS = (BotoCoreError, ClientError, RetriesExceededError)


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative POSIX path, else raise InvalidKeyError.

    Why: keys are derived from publishers' URLs; a hostile one must never turn into
    path traversal on disk or an ambiguous object name on S3.
    """
    if not isinstance(key, str) or not key:
        raise InvalidKeyError("store key must be a non-empty string")
    shown = repr(key[:80])
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidKeyError(f"store key {shown} is not encodable as UTF-8") from None
    if size > MAX_KEY_BYTES:
        raise InvalidKeyError(f"store key {shown}... is {size} bytes long (max {MAX_KEY_BYTES})")
    if "\\" in key or any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in key):
        raise InvalidKeyError(f"store key {shown} contains a backslash or control character")
    if key.startswith("/"):
        raise InvalidKeyError(f"store key {shown} must be relative, not absolute")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKeyError(f"store key {shown} has an empty, '.' or '..' path segment")
        if segment.startswith(TMP_PREFIX):
            raise InvalidKeyError(f"store key {shown} uses the reserved prefix {TMP_PREFIX!r}")
    return key


def _validate_prefix(prefix: str) -> str:
    """A list prefix is a key, possibly with a trailing slash, or empty."""
    if prefix:
        validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


redact.install()  # every log record scrubbed of credentials from here on (botocore's DEBUG lines above all)
_redact = redact.url


class Store(ABC):
    """A flat namespace of immutable-or-replaced objects addressed by relative POSIX keys."""

    url: str

    @abstractmethod
    def read(self, key: str) -> bytes:
        """Return the whole object; KeyNotFoundError if it does not exist."""

    @abstractmethod
    def read_range(self, key: str, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset``: one record of a large WARC file without the rest."""

    @abstractmethod
    def write(self, key: str, data: bytes, *, if_absent: bool = False) -> None:
        """Atomically store ``data``; with ``if_absent`` raise KeyExistsError instead of replacing."""

    @abstractmethod
    def upload_file(self, key: str, path: str | os.PathLike[str], *, if_absent: bool = False) -> None:
        """Like write() but streams a (large) local file."""

    @abstractmethod
    def download_file(self, key: str, path: str | os.PathLike[str]) -> None:
        """Atomically copy an object to a local file (parent directories are created)."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """True if an object is stored under exactly ``key``."""

    @abstractmethod
    def list(self, prefix: str = "") -> builtins.list[str]:
        """Sorted keys (relative to the store root) that start with ``prefix``."""

    @abstractmethod
    def delete(self, key: str, *, if_match: str | None = None) -> None:
        """Remove an object; deleting a missing key is not an error.

        With ``if_match`` (a tag from ``read_tagged``), remove it only if it is still that version:
        ``KeyChangedError`` if it was replaced or is gone.
        """

    @abstractmethod
    def read_tagged(self, key: str) -> tuple[bytes, str]:
        """The object and its version tag, for a later ``replace`` or ``delete(if_match=...)``.

        The tag is the object's ETag on S3 and the same MD5 hex digest of the content locally.
        """

    @abstractmethod
    def replace(self, key: str, data: bytes, *, if_match: str) -> None:
        """Atomically store ``data`` only if ``key`` still holds the version tagged ``if_match``.

        Why: two workers that read the same object and both replace it would each believe they won;
        with a compare-and-swap exactly one does, the other gets ``KeyChangedError`` (also raised
        when the object is gone).
        """

    def is_empty(self) -> bool:
        """True if the store holds no object: nothing was ever crawled or published there (a mistyped URL)."""
        return not self.list("")

    def uri(self, key: str) -> str:
        """Full URL of an object (or of a prefix like ``raw/``), for messages and provenance."""
        return f"{self.url}/{self._quote(_validate_prefix(key))}" if key else self.url

    def _quote(self, key: str) -> str:
        return key

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


# --------------------------------------------------------------------------- local


def _fsync_dir(directory: Path) -> None:
    """Persist a rename; best effort because some filesystems refuse to fsync directories."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_file(dest: Path, fill: Callable[[IO[bytes]], object], *, exclusive: bool) -> bool:
    """Write via a fsynced temp file in the target directory, then rename or hard-link it.

    Why: readers see the old file or the whole new one, never a torn write; os.link fails
    if ``dest`` exists, which gives create-only semantics. Returns False if ``exclusive``
    and ``dest`` already existed.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f"{TMP_PREFIX}{uuid.uuid4().hex}"
    try:
        with tmp.open("xb") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            try:
                dest.hardlink_to(tmp)
            except FileExistsError:
                return False
        else:
            tmp.replace(dest)
        _fsync_dir(dest.parent)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def _content_tag(data: bytes) -> str:
    """What S3 gives a single-PUT object as its ETag, so a tag means the same thing on both backends."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """An exclusive flock(2) on a directory: conditional replaces and deletes within it take turns.

    Why the directory: it needs no extra file in the store. Only processes on this host see the lock,
    which is what a local-directory store is; a directory shared over NFS is not supported.
    """
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


class LocalStore(Store):
    """Store rooted at a local directory, created by the first write.

    Why not on open: a read-only command given a mistyped path (``stats --store /typo``) must not
    leave an empty store behind that later commands take for a real one.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()
        if self.root.exists() and not self.root.is_dir():
            raise StoreConfigError(f"store path {self.root} is not a directory")
        self.url = "file://" + quote(self.root.as_posix(), safe=_FILE_URL_SAFE)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def _quote(self, key: str) -> str:
        return quote(key, safe=_FILE_URL_SAFE)

    def _read_error(self, key: str, exc: OSError) -> StoreError:
        if isinstance(exc, FileNotFoundError | IsADirectoryError | NotADirectoryError):
            return KeyNotFoundError(f"no such key: {self.uri(key)}")
        return StoreError(f"cannot read {self.uri(key)}: {exc.strerror or exc}")

    def read(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except OSError as exc:
            raise self._read_error(key, exc) from exc

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        _check_range(offset, length)
        try:
            with self._path(key).open("rb") as fh:
                fh.seek(offset)
                return fh.read(length)
        except OSError as exc:
            raise self._read_error(key, exc) from exc

    def write(self, key: str, data: bytes, *, if_absent: bool = False) -> None:
        self._put(key, lambda fh: fh.write(data), if_absent=if_absent)

    def upload_file(self, key: str, path: str | os.PathLike[str], *, if_absent: bool = False) -> None:
        with Path(path).open("rb") as src:
            self._put(key, lambda fh: shutil.copyfileobj(src, fh, MiB), if_absent=if_absent)

    def _put(self, key: str, fill: Callable[[IO[bytes]], object], *, if_absent: bool) -> None:
        dest = self._path(key)
        if if_absent and dest.exists():  # cheap early exit; the hard link below is the real guard
            raise KeyExistsError(f"key already exists: {self.uri(key)}")
        try:
            created = _atomic_file(dest, fill, exclusive=if_absent)
        except OSError as exc:
            raise StoreError(f"cannot write {self.uri(key)}: {exc.strerror or exc}") from exc
        if not created:
            raise KeyExistsError(f"key already exists: {self.uri(key)}")
        logger.debug("stored %s", self.uri(key))

    def download_file(self, key: str, path: str | os.PathLike[str]) -> None:
        """Errors on the destination file propagate as OSError, as with the S3 backend."""
        try:
            src = self._path(key).open("rb")
        except OSError as exc:
            raise self._read_error(key, exc) from exc
        with src:
            _atomic_file(Path(path), lambda out: shutil.copyfileobj(src, out, MiB), exclusive=False)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> builtins.list[str]:
        return sorted(self._keys(prefix))

    def is_empty(self) -> bool:
        return next(self._keys(""), None) is None

    def _keys(self, prefix: str) -> Iterator[str]:
        base = self.root / _validate_prefix(prefix).rpartition("/")[0]
        for dirpath, _dirnames, filenames in os.walk(base):
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                key = name if rel == "." else f"{rel}/{name}"
                if not name.startswith(TMP_PREFIX) and key.startswith(prefix):
                    yield key

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        path = self._path(key)
        try:
            if if_match is None:
                path.unlink(missing_ok=True)
                return
            with _directory_lock(path.parent):
                self._check_tag(key, if_match)
                path.unlink()
        except (IsADirectoryError, NotADirectoryError):
            return  # a "directory" is not an object, so there is nothing to delete
        except FileNotFoundError as exc:  # the parent directory is gone: so is the object
            raise KeyChangedError(f"{self.uri(key)} is gone") from exc
        except OSError as exc:
            raise StoreError(f"cannot delete {self.uri(key)}: {exc.strerror or exc}") from exc

    def read_tagged(self, key: str) -> tuple[bytes, str]:
        data = self.read(key)
        return data, _content_tag(data)

    def replace(self, key: str, data: bytes, *, if_match: str) -> None:
        dest = self._path(key)
        try:
            with _directory_lock(dest.parent):
                self._check_tag(key, if_match)
                _atomic_file(dest, lambda fh: fh.write(data), exclusive=False)
        except FileNotFoundError as exc:
            raise KeyChangedError(f"{self.uri(key)} is gone") from exc
        except OSError as exc:
            raise StoreError(f"cannot write {self.uri(key)}: {exc.strerror or exc}") from exc

    def _check_tag(self, key: str, tag: str) -> None:
        """Under the directory lock: the object is still the version tagged ``tag``."""
        try:
            current = self.read(key)
        except KeyNotFoundError:
            raise KeyChangedError(f"{self.uri(key)} is gone") from None
        if _content_tag(current) != tag:
            raise KeyChangedError(f"{self.uri(key)} was replaced since it was read")


# --------------------------------------------------------------------------- S3


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
        if not _BUCKET_RE.fullmatch(bucket or ""):
            raise StoreConfigError(f"invalid S3 bucket name {bucket[:70]!r}")
        self.bucket = bucket
        self.prefix = _validate_prefix(prefix.strip("/")) if prefix.strip("/") else ""
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
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
        _check_range(offset, length)
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
        root = f"{self.prefix}/" if self.prefix else ""
        paginator_args = {
            "Bucket": self.bucket,
            "Prefix": root + _validate_prefix(prefix),
            "PaginationConfig": {"PageSize": self._page_size},
        }
        keys: builtins.list[str] = []
        with self._calls(None) as s3:
            for page in s3.get_paginator("list_objects_v2").paginate(**paginator_args):
                keys.extend(obj["Key"][len(root) :] for obj in page.get("Contents", []))
        return sorted(keys)

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


# --------------------------------------------------------------------------- factory


def _check_range(offset: int, length: int) -> None:
    if offset < 0 or length <= 0:
        raise ValueError(f"invalid byte range: offset {offset}, length {length}")


def open_store(url: str, *, s3_endpoint_url: str | None = None) -> Store:
    """Open ``DIR``, ``file://DIR`` or ``s3://bucket[/prefix]``.

    The S3 endpoint comes from ``s3_endpoint_url``, else DEFCORPUS_S3_ENDPOINT_URL,
    AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL; credentials from boto3's standard chain.
    """
    if not url or not url.strip():
        raise StoreConfigError("store URL is empty")
    if url[:5].lower() == "s3://":
        bucket, _, prefix = url[5:].partition("/")
        if not bucket:
            raise StoreConfigError(f"store URL {url!r} has no bucket: expected s3://bucket/prefix")
        if not _BUCKET_RE.fullmatch(bucket):
            raise StoreConfigError(f"store URL {_redact(url)!r} has an invalid bucket name")
        try:
            return S3Store(bucket, prefix, endpoint_url=s3_endpoint_url)
        except InvalidKeyError as exc:
            raise StoreConfigError(f"store URL {url!r} has an invalid prefix: {exc}") from exc
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise StoreConfigError(f"store URL {_redact(url)!r} must look like file:///absolute/dir")
        return LocalStore(unquote(parts.path))
    if not parts.scheme:
        return LocalStore(url)
    raise StoreConfigError(
        f"unsupported store URL {_redact(url)!r}: use a directory, file:///dir or s3://bucket/prefix"
    )

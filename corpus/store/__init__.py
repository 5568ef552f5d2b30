"""Object store for everything defcorpus persists: raw WARCs, state JSON, Parquet, manifests.

``open_store(url)`` picks the backend from the URL: a directory or ``file://DIR`` (``corpus.store.local``),
``s3://bucket/prefix`` (``corpus.store.s3``, imported only then, so a local store never loads boto3).
The interface is ``corpus.store.base.Store``; errors are ``corpus.errors``' and re-exported here.
Opening a store installs the log scrubbing (``corpus.redact``): from then on no log record of the
process carries a credential, whatever logs it (botocore's DEBUG lines above all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

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
from corpus.store.base import TMP_PREFIX, Store, validate_key
from corpus.store.local import LocalStore

if TYPE_CHECKING:
    from corpus.store.s3 import S3Store

__all__ = [
    "TMP_PREFIX",
    "InvalidKeyError",
    "KeyChangedError",
    "KeyExistsError",
    "KeyNotFoundError",
    "LocalStore",
    "S3Store",
    "Store",
    "StoreConfigError",
    "StoreError",
    "StoreUnavailableError",
    "open_store",
    "validate_key",
]


def open_store(url: str, *, s3_endpoint_url: str | None = None) -> Store:
    """Open ``DIR``, ``file://DIR`` or ``s3://bucket[/prefix]``, with the log scrubbing installed.

    The S3 endpoint comes from ``s3_endpoint_url``, else DEFCORPUS_S3_ENDPOINT_URL,
    AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL; credentials from boto3's standard chain.
    """
    redact.install()
    if not url or not url.strip():
        raise StoreConfigError("store URL is empty")
    if url[:5].lower() == "s3://":
        return _open_s3(url, s3_endpoint_url)
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise StoreConfigError(f"store URL {redact.url(url)!r} must look like file:///absolute/dir")
        return LocalStore(unquote(parts.path))
    if not parts.scheme:
        return LocalStore(url)
    raise StoreConfigError(
        f"unsupported store URL {redact.url(url)!r}: use a directory, file:///dir or s3://bucket/prefix"
    )


def _open_s3(url: str, s3_endpoint_url: str | None) -> Store:
    from corpus.store.s3 import BUCKET_RE, S3Store  # boto3 only for an s3:// store

    bucket, _, prefix = url[5:].partition("/")
    if not bucket:
        raise StoreConfigError(f"store URL {url!r} has no bucket: expected s3://bucket/prefix")
    if not BUCKET_RE.fullmatch(bucket):
        raise StoreConfigError(f"store URL {redact.url(url)!r} has an invalid bucket name")
    try:
        return S3Store(bucket, prefix, endpoint_url=s3_endpoint_url)
    except InvalidKeyError as exc:
        raise StoreConfigError(f"store URL {url!r} has an invalid prefix: {exc}") from exc


def __getattr__(name: str) -> Any:
    # ``from corpus.store import S3Store`` keeps working, and imports boto3 only when asked for.
    if name == "S3Store":
        from corpus.store.s3 import S3Store

        return S3Store
    raise AttributeError(f"module 'corpus.store' has no attribute {name!r}")

"""Exceptions raised by the corpus store.

Callers catch these instead of backend-specific errors (``OSError``, botocore's
``ClientError``) so that pipeline code behaves the same on a local directory and
on S3. Messages never contain credentials.
"""

from __future__ import annotations

__all__ = [
    "DamagedFileError",
    "DamagedWarcError",
    "InvalidKeyError",
    "KeyChangedError",
    "KeyExistsError",
    "KeyNotFoundError",
    "LeaseHeldError",
    "LeaseLostError",
    "StoreConfigError",
    "StoreError",
    "StoreUnavailableError",
]


class StoreError(Exception):
    """Base class for every error raised by a store."""


class StoreConfigError(StoreError):
    """The store URL, bucket or credentials are wrong; retrying will not help."""


class KeyNotFoundError(StoreError):
    """The requested object does not exist."""


class KeyExistsError(StoreError):
    """A create-only write (``if_absent=True``) found the key already present."""


class KeyChangedError(StoreError):
    """A conditional replace or delete (``if_match``) found the object changed or gone since it was read."""


class InvalidKeyError(StoreError, ValueError):
    """A key is not a safe relative POSIX path (e.g. it could escape the store root)."""


class StoreUnavailableError(StoreError):
    """The backend could not be reached or kept failing after retries; retry later."""


class LeaseHeldError(StoreError):
    """Another worker is cleaning this site; try again when it is done (``corpus.lease``)."""


class LeaseLostError(LeaseHeldError):
    """A worker's own lease expired and another worker took it over: it stops before publishing more."""


class DamagedFileError(StoreError):
    """An object is stored but cannot be read as what it should be (a truncated Parquet file or manifest).

    Why a store error: it is the store's content that is wrong, not the code, and retrying will not
    help; the clean sets such an object aside (``corpus.quarantine``), readers skip it with a warning.
    """

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(f"{key} is damaged: {detail}")
        self.key, self.detail = key, detail


class DamagedWarcError(DamagedFileError):
    """A WARC file is unreadable from byte ``intact`` on; every record before that offset is whole."""

    def __init__(self, key: str, detail: str, intact: int, size: int) -> None:
        super().__init__(key, detail)
        self.intact, self.size = intact, size

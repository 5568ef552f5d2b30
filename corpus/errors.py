"""Exceptions raised by the corpus store.

Callers catch these instead of backend-specific errors (``OSError``, botocore's
``ClientError``) so that pipeline code behaves the same on a local directory and
on S3. Messages never contain credentials.
"""

from __future__ import annotations

__all__ = [
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

"""The store's interface: a flat namespace of objects under relative POSIX keys, and what a key may be.

Why one interface: the pipeline runs against a local directory on a laptop and against S3 (AWS,
MinIO, moto) in production; both backends (``corpus.store.local``, ``corpus.store.s3``) must behave
identically, including atomic writes, create-only writes and error types, so the calling code has
one path.
"""

from __future__ import annotations

import builtins
import os
from abc import ABC, abstractmethod

from corpus.errors import InvalidKeyError

MiB = 1024 * 1024
MAX_KEY_BYTES = 1024
TMP_PREFIX = ".tmp-"  # local temp files; reserved so they can never collide with a real key


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


def validate_prefix(prefix: str) -> str:
    """A list prefix is a key, possibly with a trailing slash, or empty."""
    if prefix:
        validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def check_range(offset: int, length: int) -> None:
    if offset < 0 or length <= 0:
        raise ValueError(f"invalid byte range: offset {offset}, length {length}")


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
    def list_stamped(self, prefix: str = "") -> dict[str, str]:
        """Keys that start with ``prefix``, each with a stamp that changes whenever its object is written.

        Why: a copy of small immutable objects (``corpus.manifest_catalog``) is checked against one
        listing instead of a GET per object. The stamp is opaque: size and ETag on S3, size and
        modification time locally.
        """

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
        return f"{self.url}/{self._quote(validate_prefix(key))}" if key else self.url

    def _quote(self, key: str) -> str:
        return key

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

"""The local-directory backend: atomic writes by fsynced temp file and rename, create-only by link(2)."""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO
from urllib.parse import quote

from corpus.errors import KeyChangedError, KeyExistsError, KeyNotFoundError, StoreConfigError, StoreError
from corpus.store.base import TMP_PREFIX, MiB, Store, check_range, validate_key, validate_prefix

logger = logging.getLogger(__name__)

FILE_URL_SAFE = "/=+,@:"


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
        self.url = "file://" + quote(self.root.as_posix(), safe=FILE_URL_SAFE)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def _quote(self, key: str) -> str:
        return quote(key, safe=FILE_URL_SAFE)

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
        check_range(offset, length)
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

    def list_stamped(self, prefix: str = "") -> dict[str, str]:
        stamped = {}
        for key in sorted(self._keys(prefix)):
            try:
                st = self._path(key).stat()
            except FileNotFoundError:  # deleted since it was listed
                continue
            stamped[key] = f"{st.st_size}:{st.st_mtime_ns}"
        return stamped

    def is_empty(self) -> bool:
        return next(self._keys(""), None) is None

    def _keys(self, prefix: str) -> Iterator[str]:
        base = self.root / validate_prefix(prefix).rpartition("/")[0]
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

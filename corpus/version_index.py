"""The published versions of a site, (article id, content hash), stored by hash prefix of the id.

Why: a clean must know, for each article it cleaned, whether that exact version is published
already. Reading every published file of the site for it costs the whole corpus (a million
articles: gigabytes) in every small incremental clean. Here the versions are split by the first
byte of a digest of the article id into ``PARTITIONS`` objects (``state/<site>/versions/<pp>.bin``,
16-byte version digests, sorted), and a clean reads only the partitions its articles fall in. The
reads and writes are bounded by ``PARTITIONS`` whatever the site's size; what grows is each
partition's size (16 bytes per version: 100,000 versions make 25 KB partitions). Why 64: a clean of
500 pages touches nearly every partition of 256 too (222 in the growth benchmark), so more
partitions would cost requests and save few bytes; a clean of 30 pages reads about a third.

The index is derived data: the published table stays the truth. ``state/<site>/versions/root.json``
names the batches it holds (``folded``) and the partitions that exist. What keeps it exact under
crashes (``defcorpus.versions`` drives it):

- versions are written only after the manifest of their batch committed, so the index never holds
  a version that is not published;
- a batch committed but not folded yet (a clean killed after its commit) is found on the next clean
  (its manifest is not in ``folded``) and folded from its own files;
- partitions are written first, create-only or compare-and-swap on the version read, then the root
  the same way: a crash between them leaves partitions holding versions of batches the root does not
  name yet, which the next fold adds again (a set: adding twice is harmless);
- anything unexpected (the root or a partition missing or unreadable, a repair of the site) makes
  the caller rebuild the whole index from the published table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from corpus import layout
from corpus.errors import KeyExistsError, KeyNotFoundError
from corpus.store import Store

PARTITIONS = 64  # at most 2 × 64 requests per clean, whatever the site's size (see the docstring)
FORMAT = 1
_MAGIC = b"DCVI1\n"
_THREADS = 8  # partitions are small objects: S3 latency, not bandwidth, is their cost


class IndexDamagedError(Exception):
    """The stored index is missing, unreadable or inconsistent: rebuild it from the published table."""


def version_digest(article_id: str, content_hash: str) -> bytes:
    return hashlib.blake2b(f"{article_id}\n{content_hash}".encode(), digest_size=16).digest()


def partition_of(article_id: str) -> int:
    return hashlib.blake2b(article_id.encode(), digest_size=2).digest()[0] % PARTITIONS


@dataclass
class _Part:
    digests: set[bytes] = field(default_factory=set)
    tag: str | None = None  # the stored version read (None: not stored yet)
    dirty: bool = False


class VersionIndex:
    """Membership of (id, content hash) in a site's published versions, read partition by partition.

    Partitions are read on first use (``load``, in parallel) and kept for the rest of the clean, so a
    backlog of many chunks reads each at most once; ``add`` changes them in memory only, ``save``
    writes the changed ones and the root.
    """

    def __init__(self, store: Store, site: str, *, folded: Iterable[str] = (), present: Iterable[int] = ()) -> None:
        self.store, self.site = store, site
        self.folded: set[str] = set(folded)
        self.present: set[int] = set(present)
        self._root_tag: str | None = None
        self._parts: dict[int, _Part] = {}
        self.reads = 0  # partitions read from the store: what a clean paid for membership

    @classmethod
    def open(cls, store: Store, site: str) -> VersionIndex:
        """The stored index; ``IndexDamagedError`` if it has no root or the root does not parse."""
        try:
            raw, tag = store.read_tagged(layout.version_index_root_key(site))
        except KeyNotFoundError:
            raise IndexDamagedError(f"{site}: no version index yet") from None
        try:
            root = json.loads(raw)
            if root.get("format") != FORMAT or root.get("partitions") != PARTITIONS:
                raise ValueError("another format or partition count")
            index = cls(store, site, folded=root["folded"], present=root["present"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise IndexDamagedError(f"{site}: version index root unreadable ({exc})") from None
        index._root_tag = tag
        return index

    def load(self, article_ids: Iterable[str]) -> None:
        """Read the partitions ``article_ids`` fall in that are not read yet (in parallel)."""
        wanted = sorted({partition_of(a) for a in article_ids} - self._parts.keys())
        absent = [p for p in wanted if p not in self.present]
        for p in absent:
            self._parts[p] = _Part()
        stored = [p for p in wanted if p in self.present]
        with ThreadPoolExecutor(_THREADS) as pool:
            for p, part in zip(stored, pool.map(self._read, stored), strict=True):
                self._parts[p] = part
        self.reads += len(stored)

    def __contains__(self, version: tuple[str, str]) -> bool:
        p = partition_of(version[0])
        if p not in self._parts:
            self.load([version[0]])
        return version_digest(*version) in self._parts[p].digests

    def add(self, version: tuple[str, str]) -> None:
        p = partition_of(version[0])
        if p not in self._parts:
            self.load([version[0]])
        part = self._parts[p]
        digest = version_digest(*version)
        if digest not in part.digests:
            part.digests.add(digest)
            part.dirty = True

    def add_all(self, ids: list[str], hashes: list[str]) -> None:
        self.load(ids)
        for version in zip(ids, hashes, strict=True):
            self.add(version)

    def save(self) -> None:
        """Write the changed partitions, then the root naming them and ``folded``.

        ``KeyChangedError`` if another writer changed an object since it was read (only a clean that
        lost its lease can meet one): the caller drops the root, so the next clean rebuilds.
        """
        dirty = sorted(p for p, part in self._parts.items() if part.dirty)
        with ThreadPoolExecutor(_THREADS) as pool:
            list(pool.map(self._write, dirty))
        self.present.update(dirty)
        root = {"format": FORMAT, "partitions": PARTITIONS, "folded": sorted(self.folded)}
        root["present"] = sorted(self.present)
        _put(self.store, layout.version_index_root_key(self.site), json.dumps(root).encode(), self._root_tag)
        self._root_tag = self.store.read_tagged(layout.version_index_root_key(self.site))[1]

    def __len__(self) -> int:
        return sum(len(part.digests) for part in self._parts.values())

    def _read(self, p: int) -> _Part:
        key = layout.version_index_partition_key(self.site, p)
        try:
            raw, tag = self.store.read_tagged(key)
        except KeyNotFoundError:
            raise IndexDamagedError(f"{self.site}: version index partition {key} is gone") from None
        return _Part(_parse(key, raw), tag)

    def _write(self, p: int) -> None:
        part = self._parts[p]
        key = layout.version_index_partition_key(self.site, p)
        try:
            _put(self.store, key, _encode(part.digests), part.tag)
        except KeyExistsError:  # written by a clean that crashed before its root named it: merge
            raw, tag = self.store.read_tagged(key)
            _put(self.store, key, _encode(_parse(key, raw) | part.digests), tag)
        # The new version's tag is not computed here (an ETag is not always the MD5 of the bytes):
        # a later use in this process reads the partition again.
        del self._parts[p]


def _put(store: Store, key: str, data: bytes, tag: str | None) -> None:
    """Create ``key`` (``tag`` None: create-only) or replace the version tagged ``tag`` (compare-and-swap)."""
    if tag is None:
        store.write(key, data, if_absent=True)
    else:
        store.replace(key, data, if_match=tag)


def _encode(digests: set[bytes]) -> bytes:
    return _MAGIC + b"".join(sorted(digests))


def _parse(key: str, raw: bytes) -> set[bytes]:
    body = raw[len(_MAGIC) :]
    if not raw.startswith(_MAGIC) or len(body) % 16:
        raise IndexDamagedError(f"version index partition {key} unreadable ({len(raw)} bytes)")
    return {body[i : i + 16] for i in range(0, len(body), 16)}

"""The published versions of a site, (article id, content hash) with the fingerprint of their
metadata, stored by hash prefix of the id.

Why: a clean must know, for each article it cleaned, whether that exact version is published
already. A version is its text (the content hash) and its metadata (``METADATA_FIELDS``: dates,
authors, section, ...): a re-fetch of the same text whose dates or byline differ (a crawler clock
that was behind and dropped the dates, a corrected byline) is a new version, published so readers
get the repaired record. Reading every published file of the site for it costs the whole corpus (a million
articles: gigabytes) in every small incremental clean. Here the versions are split by the first
byte of a digest of the article id into ``PARTITIONS`` objects (``state/<site>/versions/<pp>.bin``,
sorted 32-byte records: the 16-byte digest of (id, content hash), the 8-byte fingerprint of the
metadata of its latest published row, and that row's ``fetched_at``; then 16-byte source records,
the digests of an article id and of a page URL a version of it was published from), and a clean
reads only the partitions its articles fall in. The sources tell a new fetch of an article's own
page from another page claiming the article's canonical URL (``defcorpus.versions``).
The reads and writes are bounded by ``PARTITIONS`` whatever the site's size; what grows is each
partition's size (48 bytes per version fetched from one page: 100,000 versions make 75 KB
partitions). Why 64: a clean of 500 pages touches nearly every partition of 256 too (222 in the
growth benchmark), so more partitions would cost requests and save few bytes; a clean of 30 pages reads about a third.

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

An index written before fingerprints (format 1: 16-byte digests, no metadata) is not trusted for
metadata and not guessed at: its root reads as another format, so the first clean after the
upgrade rebuilds the index from the published table once, and every published version gets the
fingerprint of its own row. Nothing is published again for it (a re-fetch that matches its
published row is unchanged), and the first re-fetch whose metadata differs repairs the record.
An index written before sources (format 2) is rebuilt once the same way: the table's rows name
their URLs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
from pydantic import BaseModel

from corpus import layout
from corpus.errors import KeyExistsError, KeyNotFoundError
from corpus.schema import Article, json_datetime
from corpus.store import Store

PARTITIONS = 64  # at most 2 × 64 requests per clean, whatever the site's size (see the docstring)
FORMAT = 3  # 1: digests of (id, content hash) only, before metadata fingerprints; 2: before sources
_MAGIC = b"DCVI3\n"
_RECORD = 32  # version digest (16), metadata fingerprint (8), fetched_at in µs since the epoch (8, signed)
_SOURCE = 16  # id digest (8), digest of a page URL a version of it was published from (8)
# What a page says about its article besides its text (the content hash): a change here on a re-fetch
# is a new version. Not in it: the URL it was fetched from (a feed link and the sitemap link are one
# version), provenance, the cleaner's own fields and the near-duplicate group (a decision of the clean).
METADATA_FIELDS = (
    "authors",
    "author_bios",
    "date_published",
    "date_modified",
    "section",
    "tags",
    "language",
    "description",
    "main_image",
    "paywalled",
)
_LISTS = {"authors", "author_bios", "tags"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_THREADS = 8  # partitions are small objects: S3 latency, not bandwidth, is their cost


class IndexDamagedError(Exception):
    """The stored index is missing, unreadable or inconsistent: rebuild it from the published table."""


def version_digest(article_id: str, content_hash: str) -> bytes:
    return hashlib.blake2b(f"{article_id}\n{content_hash}".encode(), digest_size=16).digest()


def _digest8(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def metadata_fingerprint(values: Mapping[str, Any]) -> bytes:
    """8 bytes naming the ``METADATA_FIELDS`` of an article or a published row (the same for both)."""
    plain = {}
    for name in METADATA_FIELDS:
        value = values.get(name)
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="python")
        plain[name] = (value or []) if name in _LISTS else bool(value) if name == "paywalled" else value
    text = json.dumps(plain, sort_keys=True, default=_json_value)
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return json_datetime(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


@dataclass(frozen=True)
class Published:
    """What the index holds of one (id, content hash): its latest published row's metadata and fetch."""

    fingerprint: bytes
    fetched_us: int

    def replaces(self, current: Published | None) -> bool:
        """Whether this row takes the place of ``current`` for its text: the later fetch, or as late."""
        return current is None or self.fetched_us >= current.fetched_us


@dataclass(frozen=True)
class Version:
    """One cleaned or published record, as the index compares it."""

    article_id: str
    content_hash: str
    fingerprint: bytes
    fetched_us: int
    source: str | None = None  # the page URL it was fetched from, as the caller normalises it (None: not said)

    @classmethod
    def of(cls, article: Article, source: str | None = None) -> Version:
        values = {name: getattr(article, name) for name in METADATA_FIELDS}
        fingerprint = metadata_fingerprint(values)
        return cls(article.id, article.content_hash, fingerprint, _micros(article.fetched_at), source)

    @property
    def key(self) -> tuple[str, str]:
        return (self.article_id, self.content_hash)

    @property
    def published(self) -> Published:
        return Published(self.fingerprint, self.fetched_us)


def settled_by(version: Version, published: Published | None) -> bool:
    """True when ``published`` makes ``version`` nothing new: the same metadata, or a later fetch of that text.

    Why the fetch time: a re-fetch with other metadata is what the page says now, and repairs the
    record; an older fetch of the same text (a backfill of an early capture after the live crawl)
    with other metadata is history a reader of the latest version would not get, so it adds nothing.
    """
    if published is None:
        return False
    return published.fingerprint == version.fingerprint or published.fetched_us > version.fetched_us


def table_versions(table: pa.Table, source: Callable[[str], str] | None = None) -> Iterator[Version]:
    """The versions of the rows of a published file, in row order; ``source`` normalises each row's URL."""
    columns = ["id", "content_hash", "fetched_at", "url", *METADATA_FIELDS]
    present = [c for c in columns if c in table.column_names]
    for row in table.select(present).to_pylist():
        url = source(row["url"]) if source and row.get("url") else None
        yield Version(row["id"], row["content_hash"], metadata_fingerprint(row), _micros(row["fetched_at"]), url)


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(microseconds=1)


def source_digest(url: str) -> bytes:
    """8 bytes naming a page URL a version was published from."""
    return _digest8(url)


def partition_of(article_id: str) -> int:
    return hashlib.blake2b(article_id.encode(), digest_size=2).digest()[0] % PARTITIONS


@dataclass
class _Part:
    entries: dict[bytes, Published] = field(default_factory=dict)
    sources: set[bytes] = field(default_factory=set)  # id digest + page URL digest (``_SOURCE``)
    tag: str | None = None  # the stored version read (None: not stored yet)
    dirty: bool = False


class VersionIndex:
    """A site's published versions by (id, content hash), read partition by partition.

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

    def get(self, article_id: str, content_hash: str) -> Published | None:
        """The latest published row's metadata and fetch of this text of the article, if it is published."""
        p = partition_of(article_id)
        if p not in self._parts:
            self.load([article_id])
        return self._parts[p].entries.get(version_digest(article_id, content_hash))

    def sources(self, article_id: str) -> set[bytes]:
        """Digests of the page URLs versions of the article were published from (``source_digest``)."""
        p = partition_of(article_id)
        if p not in self._parts:
            self.load([article_id])
        prefix = _digest8(article_id)
        return {s[8:] for s in self._parts[p].sources if s[:8] == prefix}

    def __contains__(self, version: Version) -> bool:
        return settled_by(version, self.get(*version.key))

    def add(self, version: Version) -> None:
        """Record ``version`` as published, unless the index holds a later fetch of its text."""
        p = partition_of(version.article_id)
        if p not in self._parts:
            self.load([version.article_id])
        part = self._parts[p]
        digest = version_digest(*version.key)
        current = part.entries.get(digest)
        if current != version.published and version.published.replaces(current):
            part.entries[digest] = version.published
            part.dirty = True
        if version.source is not None:
            source = _digest8(version.article_id) + source_digest(version.source)
            if source not in part.sources:
                part.sources.add(source)
                part.dirty = True

    def add_all(self, versions: Iterable[Version]) -> None:
        versions = list(versions)
        self.load(v.article_id for v in versions)
        for version in versions:
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
        return sum(len(part.entries) for part in self._parts.values())

    def _read(self, p: int) -> _Part:
        key = layout.version_index_partition_key(self.site, p)
        try:
            raw, tag = self.store.read_tagged(key)
        except KeyNotFoundError:
            raise IndexDamagedError(f"{self.site}: version index partition {key} is gone") from None
        return _parse(key, raw, tag)

    def _write(self, p: int) -> None:
        part = self._parts[p]
        key = layout.version_index_partition_key(self.site, p)
        try:
            _put(self.store, key, _encode(part), part.tag)
        except KeyExistsError:  # written by a clean that crashed before its root named it: merge
            raw, tag = self.store.read_tagged(key)
            _put(self.store, key, _encode(_merge(_parse(key, raw), part)), tag)
        # The new version's tag is not computed here (an ETag is not always the MD5 of the bytes):
        # a later use in this process reads the partition again.
        del self._parts[p]


def _put(store: Store, key: str, data: bytes, tag: str | None) -> None:
    """Create ``key`` (``tag`` None: create-only) or replace the version tagged ``tag`` (compare-and-swap)."""
    if tag is None:
        store.write(key, data, if_absent=True)
    else:
        store.replace(key, data, if_match=tag)


def _merge(stored: _Part, ours: _Part) -> _Part:
    """Both sets of versions and sources; of one text in both, the later fetch (ours on a tie)."""
    merged = dict(stored.entries)
    for digest, published in ours.entries.items():
        if published.replaces(merged.get(digest)):
            merged[digest] = published
    return _Part(merged, stored.sources | ours.sources)


def _encode(part: _Part) -> bytes:
    records = (
        digest + published.fingerprint + published.fetched_us.to_bytes(8, "big", signed=True)
        for digest, published in sorted(part.entries.items())
    )
    count = len(part.entries).to_bytes(4, "big")
    return _MAGIC + count + b"".join(records) + b"".join(sorted(part.sources))


def _parse(key: str, raw: bytes, tag: str | None = None) -> _Part:
    body = raw[len(_MAGIC) + 4 :]
    count = int.from_bytes(raw[len(_MAGIC) : len(_MAGIC) + 4], "big")
    versions = count * _RECORD
    if not raw.startswith(_MAGIC) or len(raw) < len(_MAGIC) + 4 or len(body) < versions:
        raise IndexDamagedError(f"version index partition {key} unreadable ({len(raw)} bytes)")
    if (len(body) - versions) % _SOURCE:
        raise IndexDamagedError(f"version index partition {key} unreadable ({len(raw)} bytes)")
    entries = {}
    for i in range(0, versions, _RECORD):
        record = body[i : i + _RECORD]
        entries[record[:16]] = Published(record[16:24], int.from_bytes(record[24:], "big", signed=True))
    sources = {body[i : i + _SOURCE] for i in range(versions, len(body), _SOURCE)}
    return _Part(entries, sources, tag)

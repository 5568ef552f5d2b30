"""Exact and near-duplicate articles across sites: syndicated copies form a group with one canonical member.

An article's body is sketched (MinHash over 5-word shingles of the folded text); two articles whose
bodies are identical after folding, or whose estimated shingle similarity reaches ``threshold``,
are copies. An article's group is itself and the copies it matches; the group's canonical member is
the first by ``canonical_key``: earliest ``date_published`` (undated last), then the lowest
id. Every member other than the canonical one carries ``near_duplicate_of`` = the canonical's id.

State is one shard per site (``DedupShard``), explicit input and output like the boilerplate
statistics: a site's clean writes only its own shard and reads the others, so sites cleaned in
parallel never overwrite each other. A shard is bounded: entries older than ``window_days`` before
the shard's newest article are pruned (syndication happens within days), then the newest
``max_entries`` are kept.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from cleaning.sketch import BandIndex, Sketch, decode, encode, fold, jaccard, sketches
from corpus.dates import parse_iso8601
from corpus.schema import Article

STATE_VERSION = 2  # 2: sketches of cleaning.sketch's own hashing (1: datasketch's)
SHINGLE_WORDS = 5
NUM_PERM = 64
MIN_WORDS = 25  # shorter bodies are matched exactly only: a few shingles say little


@dataclass(frozen=True)
class Entry:
    """What dedup remembers of one article."""

    id: str
    site: str
    when: str  # ISO 8601 UTC of date_published, else of fetched_at
    dated: bool  # whether ``when`` is a publication date
    body_hash: str
    sketch: Sketch | None  # None for short bodies

    @classmethod
    def of(cls, article: Article, sketch: Sketch | None) -> Entry:
        when = (article.date_published or article.fetched_at).astimezone(UTC).isoformat()
        digest = hashlib.blake2b(fold(article.body).encode(), digest_size=16).hexdigest()
        return cls(article.id, article.site, when, article.date_published is not None, digest, sketch)


@dataclass
class DedupShard:
    """One site's entries, serialised to ``state/_dedup/<site>.json.gz`` by the caller."""

    site: str
    entries: dict[str, Entry] = field(default_factory=dict)

    def prune(self, *, window_days: int = 120, max_entries: int = 50_000) -> None:
        if not self.entries:
            return
        newest = max(parse_iso8601(e.when) for e in self.entries.values())
        cutoff = (newest - timedelta(days=window_days)).isoformat()
        kept = sorted((e for e in self.entries.values() if e.when >= cutoff), key=lambda e: (e.when, e.id))
        self.entries = {e.id: e for e in kept[-max_entries:]}

    def to_bytes(self) -> bytes:
        rows = [
            [e.id, e.when, e.dated, e.body_hash, encode(e.sketch) if e.sketch else None]
            for e in sorted(self.entries.values(), key=lambda e: e.id)
        ]
        data = {
            "version": STATE_VERSION,
            "site": self.site,
            "shingle_words": SHINGLE_WORDS,
            "num_perm": NUM_PERM,
            "entries": rows,
        }
        return gzip.compress(json.dumps(data, separators=(",", ":")).encode(), mtime=0)

    @classmethod
    def from_bytes(cls, raw: bytes) -> DedupShard:
        data = json.loads(gzip.decompress(raw))
        if (data.get("version"), data.get("shingle_words"), data.get("num_perm")) != (
            STATE_VERSION,
            SHINGLE_WORDS,
            NUM_PERM,
        ):
            return cls(site=data["site"])  # sketched differently: rebuilt by ``clean --reclean``
        site = data["site"]
        entries = {
            row[0]: Entry(row[0], site, row[1], row[2], row[3], decode(row[4]) if row[4] else None)
            for row in data["entries"]
        }
        return cls(site=site, entries=entries)


@dataclass
class DedupIndex:
    """Every shard, indexed for lookups. ``assign`` adds articles and says which copy each one is."""

    shards: dict[str, DedupShard] = field(default_factory=dict)
    threshold: float = 0.8
    _lsh: BandIndex | None = field(default=None, init=False, repr=False)
    _by_hash: dict[str, set[str]] = field(default_factory=dict, init=False, repr=False)
    _entries: dict[str, Entry] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._lsh = BandIndex(self.threshold, NUM_PERM)
        for shard in self.shards.values():
            for entry in shard.entries.values():
                self._index(entry)

    def assign(self, articles: Iterable[Article]) -> dict[str, str | None]:
        """Add ``articles`` (to their sites' shards) and return id -> canonical member id, or None."""
        batch = list(articles)
        long = [a for a in batch if len(a.body.split()) >= MIN_WORDS]
        sketched = dict(
            zip(
                (a.id for a in long),
                sketches([a.body for a in long], size=SHINGLE_WORDS, num_perm=NUM_PERM),
                strict=True,
            )
        )
        for article in batch:
            entry = Entry.of(article, sketched.get(article.id))
            self._unindex(article.id)
            self.shards.setdefault(article.site, DedupShard(article.site)).entries[article.id] = entry
            self._index(entry)
        return {a.id: self.canonical_of(a.id) for a in batch}

    def superseded(self, batch_ids: Collection[str]) -> dict[str, str]:
        """Known articles outside the batch whose canonical member is now a batch article.

        They were published before an earlier copy arrived, so their ``near_duplicate_of`` is stale;
        ``defcorpus clean --reclean`` of their site brings them up to date.
        """
        stale: dict[str, str] = {}
        for batch_id in batch_ids:
            for other in self.matches(batch_id):
                canonical = self.canonical_of(other)
                if other not in batch_ids and canonical is not None and canonical in batch_ids:
                    stale[other] = canonical
        return stale

    def canonical_of(self, article_id: str) -> str | None:
        """The canonical member of the article's group, or None when the article is canonical itself."""
        group = [self._entries[article_id], *(self._entries[m] for m in self.matches(article_id))]
        best = min(group, key=self.canonical_key)
        return None if best.id == article_id else best.id

    def matches(self, article_id: str) -> list[str]:
        """Ids of the other known articles that are copies of this one (exact or near)."""
        entry = self._entries[article_id]
        found = set(self._by_hash.get(entry.body_hash, ()))
        if entry.sketch is not None and self._lsh is not None:
            for other in self._lsh.query(entry.sketch):
                sketch = self._entries[other].sketch
                if sketch is not None and jaccard(entry.sketch, sketch) >= self.threshold:
                    found.add(other)
        found.discard(article_id)
        return sorted(found)

    def canonical_key(self, entry: Entry) -> tuple[bool, str, str]:
        return (not entry.dated, entry.when, entry.id)

    def _index(self, entry: Entry) -> None:
        self._entries[entry.id] = entry
        self._by_hash.setdefault(entry.body_hash, set()).add(entry.id)
        if entry.sketch is not None and self._lsh is not None:
            self._lsh.insert(entry.id, entry.sketch)

    def prune(self, site: str, *, window_days: int = 120, max_entries: int = 50_000) -> None:
        """Prune ``site``'s shard (``DedupShard.prune``) and forget what it dropped."""
        shard = self.shards.get(site)
        if shard is None:
            return
        before = set(shard.entries)
        shard.prune(window_days=window_days, max_entries=max_entries)
        for article_id in before.difference(shard.entries):
            self._unindex(article_id)

    def _unindex(self, article_id: str) -> None:
        """Forget an article's previous version (a re-crawl or re-clean replaces it, or it was pruned)."""
        old = self._entries.pop(article_id, None)
        if old is None:
            return
        same_body = self._by_hash.get(old.body_hash)
        if same_body is not None:
            same_body.discard(article_id)
            if not same_body:
                del self._by_hash[old.body_hash]
        self.shards[old.site].entries.pop(article_id, None)
        if old.sketch is not None and self._lsh is not None:
            self._lsh.remove(article_id, old.sketch)

"""Learned site boilerplate: paragraphs that recur across a site's articles are not article text.

Author bios, newsletter prompts and disclaimers repeat on every article of a site (or of an author),
while real paragraphs rarely do. Per site, paragraphs are grouped into clusters of near-identical
variants (MinHash over word shingles of the folded text, so a changed number, punctuation or a short
prefix such as "1945's" vs "A 19FortyFive" lands in the same cluster), and each cluster counts the
distinct articles it occurs in, site-wide and per byline author it names. Statistics are explicit
input and output (persisted by the caller).

Size stays bounded for sites of any size: ``max_clusters`` caps the state; pruning drops the clusters
seen in the fewest articles, least recently published first, except each author's most recent
named paragraphs, so a rare author's bio survives between their articles.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from cleaning.bios import named_author
from cleaning.sketch import BandIndex, Sketch, decode, encode, fold, jaccard, sketches
from cleaning.template import SiteTemplate

STATE_VERSION = 3  # 3: sketches of cleaning.sketch's own hashing (2: datasketch's)
_REPLACED_VERSIONS = (1, 2)  # sketched differently: not comparable with today's sketches
logger = logging.getLogger(__name__)
# Enough distinct articles to decide, without letting the state grow with a site's size.
MAX_DOCS_PER_FINGERPRINT = 64
MAX_DOCS_PER_AUTHOR = 8
SHINGLE_WORDS = 3
NUM_PERM = 32


def fingerprint(text: str) -> str:
    """Same fingerprint for variants that differ in case, punctuation, spacing or a number."""
    return hashlib.blake2b(fold(text).encode(), digest_size=10).hexdigest()


def _add_sorted(ids: tuple[str, ...], doc: str, cap: int) -> tuple[str, ...]:
    if doc in ids or len(ids) >= cap:
        return ids
    return tuple(sorted((*ids, doc)))


@dataclass(slots=True)
class Cluster:
    """One paragraph and its near-identical variants, with the articles they occur in.

    Most clusters are a paragraph seen once, and a large site keeps tens of thousands of them, so
    the record is small: slots, tuples, no per-cluster empty dict, one shared string per date.
    """

    sketch: Sketch
    docs: tuple[str, ...] = ()
    authors: dict[str, tuple[str, ...]] | None = None
    seen: str = ""  # latest publication date (YYYY-MM-DD) of those articles: recency for pruning

    def add(self, doc: str, author: str | None, when: datetime | None) -> None:
        self.docs = _add_sorted(self.docs, doc, MAX_DOCS_PER_FINGERPRINT)
        if author is not None:
            self.authors = self.authors or {}
            self.authors[author] = _add_sorted(self.authors.get(author, ()), doc, MAX_DOCS_PER_AUTHOR)
        if when is not None:
            self.seen = max(self.seen, _day(when))

    def author_docs(self, author: str) -> tuple[str, ...]:
        return self.authors.get(author, ()) if self.authors else ()


@lru_cache(maxsize=1024)
def _day(when: datetime) -> str:
    return sys.intern(f"{when.astimezone(UTC):%Y-%m-%d}")


@dataclass
class BoilerplateStats:
    """Paragraph clusters of one site. ``classify`` says which paragraphs of a page are boilerplate."""

    min_articles: int = 3
    min_author_articles: int = 2  # a paragraph naming the author, repeated in their articles: a bio
    threshold: float = 0.7  # estimated Jaccard similarity of shingles that makes two paragraphs variants
    # Tens of thousands of paragraphs: a month or more of a busy site's one-off paragraphs, while
    # anything seen twice outlives them. About 1.5 KB of memory each (docs/performance.md).
    max_clusters: int = 20_000
    keep_per_author: int = 16
    clusters: dict[str, Cluster] = field(default_factory=dict)
    template: SiteTemplate = field(default_factory=SiteTemplate)  # the site's learned article container
    _lsh: BandIndex | None = field(default=None, init=False, repr=False, compare=False)
    _alias: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def observe(
        self, article_id: str, paragraphs: Iterable[str], *, authors: Sequence[str] = (), when: datetime | None = None
    ) -> list[str]:
        """Count each paragraph once per article; seeing an article again changes nothing.

        Returns each paragraph's cluster key: which text it is, its near-identical variants included."""
        paragraphs = list(paragraphs)
        fps = [fingerprint(p) for p in paragraphs]
        texts = list(dict(zip(fps, paragraphs, strict=True)).items())
        unknown = [(fp, text) for fp, text in texts if self._known(fp) is None]  # only these need a sketch
        found = dict(
            zip(
                (fp for fp, _ in unknown),
                sketches([t for _, t in unknown], size=SHINGLE_WORDS, num_perm=NUM_PERM),
                strict=True,
            )
        )
        keys: dict[str, str] = {}
        for fp, text in texts:
            key = self._known(fp) if fp not in found else self._find(fp, found[fp])
            if key is None:
                key = fp
                self.clusters[key] = Cluster(found[fp])
                self._index().insert(key, found[fp])
            self.clusters[key].add(article_id, named_author(text, authors), when)
            keys[fp] = key
        if len(self.clusters) > self.max_clusters:
            self._prune()
        return [keys[fp] for fp in fps]

    def classify(self, paragraphs: Sequence[str], authors: Sequence[str] = ()) -> list[str | None]:
        """Per paragraph: "boilerplate", "author_bio" (learned, names the author) or None (article text)."""
        verdicts: list[str | None] = []
        fps = [fingerprint(p) for p in paragraphs]
        # A paragraph seen before (an exact repeat or a known variant) needs no sketch: after
        # ``observe`` that is every paragraph of the page, so sketches are computed once, not twice.
        unknown = [i for i, fp in enumerate(fps) if self._known(fp) is None]
        found = dict(
            zip(unknown, sketches([paragraphs[i] for i in unknown], size=SHINGLE_WORDS, num_perm=NUM_PERM), strict=True)
        )
        for i, text in enumerate(paragraphs):
            key = self._known(fps[i]) if i not in found else self._find(fps[i], found[i])
            cluster = self.clusters.get(key) if key else None
            named = named_author(text, authors)
            if cluster is None:
                verdicts.append(None)
            elif len(cluster.docs) >= self.min_articles:
                verdicts.append("author_bio" if named else "boilerplate")
            elif named and len(cluster.author_docs(named)) >= self.min_author_articles:
                verdicts.append("author_bio")
            else:
                verdicts.append(None)
        return verdicts

    def is_boilerplate(self, paragraph: str) -> bool:
        return self.classify([paragraph])[0] is not None

    def _index(self) -> BandIndex:
        """The LSH index over cluster sketches, built when first needed (it is not persisted)."""
        if self._lsh is None:
            self._lsh = BandIndex(self.threshold, NUM_PERM)
            for key, cluster in self.clusters.items():
                self._lsh.insert(key, cluster.sketch)
        return self._lsh

    def _known(self, fp: str) -> str | None:
        """The cluster of an exact repeat or of a variant already matched, without a sketch."""
        if fp in self.clusters:
            return fp
        alias = self._alias.get(fp)
        return alias if alias in self.clusters else None

    def _find(self, fp: str, sketch: Sketch) -> str | None:
        """The cluster of an exact repeat, else of the most similar variant above the threshold."""
        if (known := self._known(fp)) is not None:
            return known
        scored = [(jaccard(sketch, self.clusters[k].sketch), k) for k in self._index().query(sketch)]
        best = max((s for s in scored if s[0] >= self.threshold), key=lambda s: (s[0], s[1]), default=None)
        if best is None:
            return None
        self._alias[fp] = best[1]
        return best[1]

    def _prune(self) -> None:
        """Drop clusters down to 90% of the cap: rarest and oldest first, authors' recent bios last."""
        by_author: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key, cluster in self.clusters.items():
            for author in cluster.authors or ():
                by_author[author].append((cluster.seen, key))
        protected = {
            key for entries in by_author.values() for _, key in sorted(entries, reverse=True)[: self.keep_per_author]
        }
        order = sorted(
            self.clusters, key=lambda k: (k in protected, len(self.clusters[k].docs), self.clusters[k].seen, k)
        )
        for key in order[: len(self.clusters) - int(self.max_clusters * 0.9)]:
            self._index().remove(key, self.clusters.pop(key).sketch)
        self._alias = {fp: key for fp, key in self._alias.items() if key in self.clusters}

    def to_json(self) -> bytes:
        """The state as JSON, written cluster by cluster: a large site's state is never one big dict."""
        out = io.BytesIO()
        out.write(b'{"clusters":{')
        for i, key in enumerate(sorted(self.clusters)):
            c = self.clusters[key]
            record = {"a": c.authors or {}, "d": c.docs, "s": encode(c.sketch), "t": c.seen}
            out.write(b"," if i else b"")
            out.write(f"{json.dumps(key)}:{json.dumps(record, sort_keys=True, separators=(',', ':'))}".encode())
        template = json.dumps(self.template.to_record(), sort_keys=True, separators=(",", ":"))
        out.write(f'}},"min_articles":{self.min_articles},"template":{template},"version":{STATE_VERSION}}}'.encode())
        return out.getvalue()

    @classmethod
    def from_json(
        cls, raw: bytes, *, min_articles: int | None = None, max_clusters: int | None = None
    ) -> BoilerplateStats:
        """Load saved state; state of an older format starts afresh (``clean --reclean`` rebuilds it)."""
        data = json.loads(raw)
        if data.get("version") in _REPLACED_VERSIONS:
            logger.info("boilerplate state version %s is replaced: learning starts afresh", data["version"])
            return cls(min_articles=min_articles or data["min_articles"], max_clusters=max_clusters or cls.max_clusters)
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported boilerplate state version {data.get('version')!r}")
        clusters = {
            k: Cluster(
                decode(c["s"]), tuple(c["d"]), {a: tuple(d) for a, d in c["a"].items()} or None, sys.intern(c["t"])
            )
            for k, c in data.pop("clusters").items()
        }
        # A lowered cap applies on the next ``observe``.
        max_clusters = max_clusters or cls.max_clusters
        return cls(
            min_articles=min_articles or data["min_articles"],
            max_clusters=max_clusters,
            clusters=clusters,
            template=SiteTemplate.from_record(data.get("template")),  # absent in state written before it
        )

"""Learned site boilerplate: paragraphs that recur across a site's articles are not article text.

Author bios, newsletter prompts and disclaimers repeat on every article of a site (or of an author),
while real paragraphs rarely do. Statistics are kept per site as fingerprint -> the distinct
articles it occurs in; they are explicit input and output (persisted by the caller), so a result
never depends on which process saw which page first.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

# Enough distinct articles to decide, without letting the state grow with a site's size.
MAX_DOCS_PER_FINGERPRINT = 64
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def fingerprint(text: str) -> str:
    """Same fingerprint for variants that differ in case, punctuation, spacing or a number."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _NON_WORD.sub(" ", _DIGITS.sub("0", folded)).strip()
    return hashlib.blake2b(folded.encode(), digest_size=10).hexdigest()


@dataclass
class BoilerplateStats:
    """fingerprint -> sorted ids of the distinct articles a paragraph occurs in (capped)."""

    min_articles: int = 3
    docs: dict[str, list[str]] = field(default_factory=dict)

    def observe(self, article_id: str, paragraphs: Iterable[str]) -> None:
        """Count each paragraph once per article; seeing an article again changes nothing."""
        for fp in {fingerprint(p) for p in paragraphs}:
            ids = self.docs.setdefault(fp, [])
            if article_id not in ids and len(ids) < MAX_DOCS_PER_FINGERPRINT:
                ids.append(article_id)
                ids.sort()

    def article_count(self, paragraph: str) -> int:
        return len(self.docs.get(fingerprint(paragraph), ()))

    def is_boilerplate(self, paragraph: str) -> bool:
        return self.article_count(paragraph) >= self.min_articles

    def to_json(self) -> bytes:
        data = {"version": 1, "min_articles": self.min_articles, "docs": self.docs}
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes, *, min_articles: int | None = None) -> BoilerplateStats:
        data = json.loads(raw)
        if data.get("version") != 1:
            raise ValueError(f"unsupported boilerplate state version {data.get('version')!r}")
        return cls(min_articles=min_articles or data["min_articles"], docs=data["docs"])

"""Chrome slots: positions of a site's template whose text recurs from page to page.

A newsletter box, an author's bio box, a disclosure or a "More from …" strip sits at the same DOM
position (``cleaning.template.chains``) on every page of the site and prints the same or nearly the
same text there; the positions that hold the article print different text on every page. Counting
paragraph texts (``cleaning.boilerplate``) removes the repeats; knowing the *position* also removes
the box on the page where its text is new (another author's bio, this week's newsletter prompt).

Per position the state keeps which articles printed text there and which texts (near-identical
variants count as one: the boilerplate cluster) — both capped, so the state is bounded whatever the
site's size. A position is chrome once ``min_articles`` articles printed text there and the
distinct texts are at most ``RECUR_SHARE`` of those articles: most pages print a text another page
printed too. A position of article text never qualifies: its texts are as many as its paragraphs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

# Per position: articles and distinct texts remembered (enough to decide; ids are shortened).
MAX_SLOT_DOCS = 16
MAX_SLOT_TEXTS = 16
# Positions remembered per site; past it, those printed on the fewest articles are forgotten first.
MAX_SLOTS = 256
RECUR_SHARE = 0.5
_SHORT = 8  # hex characters kept of an article id or a text's cluster key: enough to count them


def slot_key(chain: Sequence[str]) -> str:
    """A short stable name for a position (its chain of signatures can be hundreds of characters)."""
    return hashlib.blake2b("\x1f".join(chain).encode(), digest_size=8).hexdigest()


@dataclass
class Slot:
    docs: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()

    def add(self, doc: str, text: str) -> None:
        if doc not in self.docs and len(self.docs) < MAX_SLOT_DOCS:
            self.docs = (*self.docs, doc)
        if text not in self.texts and len(self.texts) < MAX_SLOT_TEXTS:
            self.texts = (*self.texts, text)

    def is_chrome(self, min_articles: int) -> bool:
        return len(self.docs) >= min_articles and len(self.texts) <= RECUR_SHARE * len(self.docs)


@dataclass
class ChromeSlots:
    """The positions of one site's template and what they printed (module docstring)."""

    slots: dict[str, Slot] = field(default_factory=dict)

    def observe(self, doc: str, positions: Sequence[tuple[str, ...] | None], texts: Sequence[str]) -> None:
        """Count an article's blocks: ``texts`` names each block's text (its boilerplate cluster)."""
        for chain, text in zip(positions, texts, strict=True):
            if chain:
                self.slots.setdefault(slot_key(chain), Slot()).add(doc[:_SHORT], text[:_SHORT])
        if len(self.slots) > MAX_SLOTS:
            keep = sorted(self.slots.items(), key=lambda kv: (len(kv[1].docs), kv[0]), reverse=True)
            self.slots = dict(keep[: int(MAX_SLOTS * 0.9)])

    def chrome(self, positions: Sequence[tuple[str, ...] | None], min_articles: int) -> list[bool]:
        """Per block: it sits at a chrome position of the site's template."""
        found = [self.slots.get(slot_key(chain)) if chain else None for chain in positions]
        return [slot is not None and slot.is_chrome(min_articles) for slot in found]

    def to_record(self) -> dict[str, list[list[str]]]:
        return {k: [list(s.docs), list(s.texts)] for k, s in sorted(self.slots.items())}

    @classmethod
    def from_record(cls, record: object) -> ChromeSlots:
        if not isinstance(record, dict):
            return cls()
        return cls({str(k): Slot(tuple(v[0]), tuple(v[1])) for k, v in record.items()})

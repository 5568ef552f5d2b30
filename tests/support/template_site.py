"""An invented news site whose pages share one template, for the learned-structure tests.

Every page prints its article in ``main.story > div.story-body``; around and inside it the template
sets what a real publisher's does: teaser cards between paragraphs (a kicker, a title linking to
another story of the site, a line of description), an editor's note box whose text rotates among a
few variants, fact boxes printed as quotes, and lists. Article text comes from ``sites.prose`` (every
paragraph unique unless a test makes it shared).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from corpus.pages import FetchedPage
from tests.support import cleaning_sites as sites

BASE = "https://harbour-gazette.example"
FETCHED = datetime(2024, 6, 1, 12, tzinfo=UTC)
NOTES = (
    "Editor's note: this story is part of our series on the working waterfront, funded by readers.",
    "Editor's note: our coverage of the harbour is supported by members; join them to keep it going.",
)


@dataclass
class Card:
    """A teaser for another story: its title links to ``href``."""

    title: str
    description: str
    href: str = "/2024/05/another-story/"


@dataclass
class Page:
    slug: str
    paragraphs: list[str]
    cards: Sequence[Card] = ()  # set after the second paragraph
    note: str | None = None  # the editor's note box, after the first paragraph
    extra: str = ""  # more HTML at the end of the body
    published: datetime = datetime(2024, 5, 1, 8, tzinfo=UTC)
    tags: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{BASE}/2024/05/{self.slug}/"


def render(page: Page) -> bytes:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.slug.replace("-", " ").title(),
        "datePublished": page.published.isoformat(),
        "author": [{"@type": "Person", "name": "Mara Quill"}],
    }
    parts = [f"<p>{html.escape(p)}</p>" for p in page.paragraphs]
    if page.note:
        parts.insert(1, f"<div class='note-box'><p>{html.escape(page.note)}</p></div>")
    cards = "".join(
        f"<div class='slot'><div class='tile'><p class='kicker'>Harbour</p>"
        f"<h3><a href='{c.href}'>{html.escape(c.title)}</a></h3><p>{html.escape(c.description)}</p></div></div>"
        for c in page.cards
    )
    parts.insert(min(2, len(parts)), cards)
    body = "".join(parts) + page.extra
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{ld["headline"]} | Harbour Gazette</title>
<script type="application/ld+json">{json.dumps(ld)}</script></head><body>
<header><nav><a href="/">Home</a> <a href="/harbour/">Harbour</a></nav></header>
<main class="story"><h1>{ld["headline"]}</h1><div class="story-body">{body}</div></main>
<footer><p>Harbour Gazette, 1 Quay Street. All rights reserved.</p></footer></body></html>""".encode()


def fetched(pages: Sequence[Page]) -> list[FetchedPage]:
    return [
        FetchedPage(p.url, render(p), FETCHED, "raw/site=harbour/x.warc.gz", f"<urn:uuid:h{i}>")
        for i, p in enumerate(pages)
    ]


def article(seed: int, **kwargs: object) -> Page:
    """A page of five unique paragraphs (``seed`` picks them)."""
    return Page(f"story-{seed}", sites.prose(100 + seed, 5), **kwargs)  # type: ignore[arg-type]

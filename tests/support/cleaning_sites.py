"""Small synthetic news sites for multi-article cleaning tests, built in code (no fixture files).

Each article page has the chrome a real publisher prints inside the body (a newsletter prompt whose
number changes, a disclaimer, pasted author bios in several variants) and outside it (navigation, an
author box, a footer). Article text is drawn from a seeded vocabulary, so every paragraph is unique
unless a test makes it shared.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from corpus.pages import FetchedPage

BASE = "https://defense.example"
FETCHED = datetime(2024, 6, 1, 12, tzinfo=UTC)
QUOTE = (
    "“We will keep supporting our partners with the air defense systems they need, and we will do so for "
    "as long as it takes,” the ministry said in a statement."
)
CTA = "Sign up for the Example Defense Brief: the {n} stories that matter, in your inbox every morning!"
DISCLAIMER = (
    "The views expressed in this article are those of the author alone and do not reflect the "
    "position of Example Defense or its editors."
)
BIOS = {  # two variants per author, as a site's editors paste them over the years
    "Jane Roe": (
        "Jane Roe is a senior correspondent at Example Defense covering the Pentagon, missile defense and "
        "the defense budget. She has reported from 14 countries.",
        "ED’s senior correspondent, Jane Roe is a senior correspondent at Example Defense covering the "
        "Pentagon, missile defense and the defense budget. She has reported from 15 countries.",
    ),
    "Omar Haddad": (
        "Omar Haddad is a contributing editor at Example Defense and a former Army logistics officer. "
        "His work has appeared in several military journals.",
        "About the author: Omar Haddad is a contributing editor at Example Defense and a former Army "
        "logistics officer. His work has appeared in several military journals.",
    ),
    "Lena Varga": (
        "Lena Varga is a naval analyst and columnist at Example Defense who writes about shipbuilding "
        "and sea power in the Indo-Pacific.",
        "A Example Defense columnist, Lena Varga is a naval analyst who writes about shipbuilding and "
        "sea power in the Indo-Pacific.",
    ),
}
NEW_AUTHOR = "Dana Whitfield"
NEW_AUTHOR_BIO = (
    "Dana Whitfield is a defense reporter based in Brussels who covers NATO and European "
    "militaries. Her reporting has also appeared in two national newspapers."
)
_VOCABULARY = (
    "army navy drone missile budget brigade frigate radar treaty border supply convoy artillery doctrine "
    "satellite cyber logistics readiness exercise alliance deterrence submarine carrier bomber fighter "
    "tank battalion ammunition factory contract procurement training reserve coastline airfield runway "
    "corridor ceasefire offensive sanction export industry shipyard engine sensor network command"
)
_WORDS = _VOCABULARY.split(" ")


@dataclass
class Post:
    slug: str
    author: str
    paragraphs: list[str]
    tail: list[str] = field(default_factory=list)  # chrome pasted at the end of the body
    published: datetime = datetime(2024, 3, 1, 9, tzinfo=UTC)
    caption: str = "Soldiers load a launcher during an exercise."
    credit: str = "Photo: Sgt. A. Smith/U.S. Army"
    byline_meta: str | None = None  # a <meta name=author> byline instead of JSON-LD authors

    @property
    def url(self) -> str:
        return f"{BASE}/{self.published:%Y/%m}/{self.slug}/"

    @property
    def body(self) -> str:
        """What a perfect cleaner outputs."""
        return "\n\n".join(self.paragraphs)


def prose(seed: int, count: int = 4) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(_WORDS) for _ in range(28)).capitalize() + "." for _ in range(count)]


def render(post: Post, box_bio: str | None = None) -> bytes:
    modified = post.published + timedelta(hours=2)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": post.slug.replace("-", " ").title(),
        "datePublished": post.published.isoformat(),
        "dateModified": modified.isoformat(),
        "articleSection": "Air Defense",
        "keywords": ["NATO", "Air defense"],
        "inLanguage": "en-GB",
    }
    if post.byline_meta is None:
        ld["author"] = [{"@type": "Person", "name": post.author}]
    meta = f"<meta name='author' content='{html.escape(post.byline_meta)}'>" if post.byline_meta else ""
    body = "".join(
        f"<p>{html.escape(p)}</p>" for p in [*post.paragraphs[:2], *post.tail[:1], *post.paragraphs[2:], *post.tail[1:]]
    )
    page = f"""<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<title>{ld["headline"]} | Example Defense</title>
<link rel="canonical" href="/{post.published:%Y/%m}/{post.slug}/">{meta}
<meta property="og:image" content="/img/{post.slug}.jpg"><meta property="og:description" content="Summary.">
<script type="application/ld+json">{json.dumps(ld)}</script></head><body>
<nav><a href="/">Home</a> <a href="/air-defense/">Air Defense</a></nav>
<article><h1>{ld["headline"]}</h1><div class="body">
<figure><img src="/img/{post.slug}.jpg"><figcaption>{html.escape(post.caption)} ({post.credit})</figcaption></figure>
{body}</div></article>
<aside class="author-box"><p>{html.escape(box_bio or "")}</p></aside>
<footer><p>© 2030 Example Defense. All rights reserved.</p></footer></body></html>"""
    return page.encode()


def site_posts() -> list[Post]:
    """Nine posts by three regular authors, one by a new author, two sharing a quoted statement."""
    posts = []
    for i in range(9):
        author = list(BIOS)[i % 3]
        tail = [CTA.format(n=3 + i % 4), DISCLAIMER, BIOS[author][i % 2]]
        paragraphs = prose(i)
        if i in (1, 5):
            paragraphs.insert(2, QUOTE)
        posts.append(Post(f"story-{i}", author, paragraphs, tail, published=datetime(2024, 3, 1 + i, tzinfo=UTC)))
    posts.append(
        Post(
            "new-voice",
            NEW_AUTHOR,
            prose(99),
            [NEW_AUTHOR_BIO],
            published=datetime(2024, 3, 20, tzinfo=UTC),
            byline_meta=f"By {NEW_AUTHOR}, Staff Writer",
        )
    )
    return posts


def fetched(posts: list[Post], *, box_bios: bool = False) -> list[FetchedPage]:
    return [
        FetchedPage(
            p.url,
            render(p, BIOS.get(p.author, ("",))[0] if box_bios else None),
            FETCHED,
            "raw/site=example/x.warc.gz",
            f"<urn:uuid:{i}>",
        )
        for i, p in enumerate(posts)
    ]

"""The test oracle of the bundled mini-site: what a correct crawl and clean of it must produce.

It is test knowledge, so it lives with the tests; the demo never needs it.

Nothing here restates the content: every answer is computed from ``content/*.toml`` or from the
rendered site, so editing an article cannot leave the tests behind.

Paths are URL paths ("/2022/12/slug/"); pass ``base_url`` to get absolute URLs instead. Texts are
as a reader sees them: link markup dropped and non-breaking spaces turned into plain spaces (the
HTML keeps the ``&nbsp;`` WordPress writes; every cleaner normalises it).
"""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from corpus.pages import FetchedPage
from defcorpus.minisite.content import load_content, months, plain_text, sidebar_lists, teasers
from defcorpus.minisite.render import build_site

if TYPE_CHECKING:
    from defcorpus.minisite.content import Article

_ANY_BASE = "http://minisite.invalid"  # paths do not depend on the base URL
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“])")


def article_paths(base_url: str = "") -> set[str]:
    """Every article a polite crawler must find: all posts except those robots.txt disallows."""
    return {base_url + a.path for a in load_content().public}


def embargoed_paths(base_url: str = "") -> set[str]:
    """Article-like posts that robots.txt disallows although sitemaps, feed and archives list them."""
    return {base_url + a.path for a in load_content().articles if a.robots_disallowed}


def non_article_paths(base_url: str = "") -> set[str]:
    """Every other path the site serves (archives, pages, feed, sitemaps, robots, assets)."""
    posts = {a.path for a in load_content().articles}
    return {base_url + path for path in build_site(_ANY_BASE) if path not in posts}


def disallowed_paths(base_url: str = "") -> list[str]:
    """The Disallow rules of the served robots.txt, in order (path prefixes)."""
    robots = build_site(_ANY_BASE)["/robots.txt"].body.decode()
    rules = [line.partition(":")[2].strip() for line in robots.splitlines() if line.startswith("Disallow:")]
    return [base_url + rule for rule in rules]


def article(key: str) -> Article:
    """Find a post by slug, path or absolute URL."""
    for a in load_content().articles:
        if key in (a.slug, a.path) or key.endswith(a.path):
            return a
    raise KeyError(key)


def seed_article() -> Article:
    """The article copied from the real 19FortyFive page."""
    content = load_content()
    return content.article(content.seed)


def expected_body(post: Article | str) -> str:
    """The body a perfect cleaner outputs for a post (an Article, slug, path or URL).

    Body blocks joined by a blank line; subheadings and block quotes are paragraphs of their own, a
    list item is a paragraph of its own, a bold lead-in stays in its paragraph. Nothing else: no
    "Up Next"/"Don't Miss" teasers, newsletter box, ad label or pasted author bios.
    """
    a = article(post) if isinstance(post, str) else post
    return "\n\n".join(block.plain for block in a.body)


def pasted_bios(post: Article | str) -> list[str]:
    """The bio paragraphs pasted at the end of a post's body: metadata, not body text."""
    a = article(post) if isinstance(post, str) else post
    return [plain_text(bio) for bio in a.pasted_bios]


def chrome_strings() -> list[str]:
    """Site chrome printed on article pages; none of it may reach a cleaned body.

    Every ``[chrome]`` string of site.toml, the headlines and excerpts of teasers (in-body "Up Next"
    and "Don't Miss", "You may also like", the Trending and Latest widgets) and the archive widget's
    month labels. Navigation labels ("Home", section names) are left out: prose uses those words too.
    """
    content = load_content()
    chrome = content.chrome
    strings: list[str] = []
    for f in fields(chrome):
        value = getattr(chrome, f.name)
        strings += [value] if isinstance(value, str) else list(value)
    for a in content.articles:
        picks = teasers(content, a)
        strings += [picks.up_next.headline, picks.dont_miss.headline]
        strings += [text for r in picks.related for text in (r.headline, r.description)]
    strings += [a.headline for widget in sidebar_lists(content) for a in widget]
    strings += [f"{m:%B} {m.year}" for m in months(content)]
    return list(dict.fromkeys(strings))


def bio_sentences() -> list[str]:
    """Every sentence of every bio variant of every author (pasted bios and author boxes alike)."""
    bios = (plain_text(bio) for author in load_content().authors for bio in author.bios)
    return list(dict.fromkeys(s for bio in bios for s in _SENTENCE_END.split(bio)))


def captions() -> list[str]:
    """Featured-image captions as printed in each figcaption: caption, a space, the credit."""
    return [f"{a.caption} {a.credit}" for a in load_content().articles]


def shared_paragraphs() -> dict[str, list[str]]:
    """Body paragraphs that occur in more than one article (slugs, oldest first): real text to keep."""
    seen: dict[str, list[str]] = {}
    for a in reversed(load_content().public):
        for block in a.body:
            seen.setdefault(block.plain, []).append(a.slug)
    return {text: slugs for text, slugs in seen.items() if len(slugs) > 1}


def minisite_pages() -> list[FetchedPage]:
    """Every article page of the rendered site as the cleaner receives it (no crawl needed)."""
    base = "http://127.0.0.1:8045"
    paths = article_paths()
    return [
        FetchedPage(base + path, page.body, datetime(2023, 6, 1, tzinfo=UTC), "w", "r")
        for path, page in build_site(base).items()
        if path in paths
    ]

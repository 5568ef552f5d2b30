"""Markup shared by the fixture sites: feeds, sitemaps, robots.txt, article and listing pages."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from urllib.parse import urljoin


@dataclass(frozen=True)
class Story:
    path: str
    headline: str
    published: datetime
    body: str = "Lorem ipsum dolor sit amet, the frigate sailed at dawn and the ministry confirmed it."

    def url(self, base: str) -> str:
        return urljoin(base, self.path)


def day(year: int, month: int, dd: int, hour: int = 9) -> datetime:
    return datetime(year, month, dd, hour, tzinfo=UTC)


def robots(base: str, *sitemaps: str, extra: str = "", disallow: tuple[str, ...] = ()) -> bytes:
    lines = ["User-agent: *", *(f"Disallow: {p}" for p in disallow), extra]
    lines += [f"Sitemap: {urljoin(base, s)}" for s in sitemaps]
    return ("\n".join(line for line in lines if line) + "\n").encode()


def rss(base: str, stories: list[Story], title: str = "Feed") -> bytes:
    items = "".join(
        f"<item><title>{escape(s.headline)}</title><link>{s.url(base)}</link>"
        f"<pubDate>{format_datetime(s.published)}</pubDate></item>"
        for s in stories
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{base}</link>{items}</channel></rss>"
    ).encode()


def atom(base: str, stories: list[Story]) -> bytes:
    entries = "".join(
        f'<entry><title>{escape(s.headline)}</title><link rel="alternate" href="{s.url(base)}"/>'
        f"<updated>{s.published.isoformat()}</updated></entry>"
        for s in stories
    )
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'.encode()


def sitemap_index(base: str, children: list[tuple[str, datetime | None]]) -> bytes:
    entries = "".join(f"<sitemap><loc>{urljoin(base, p)}</loc>{_lastmod(m)}</sitemap>" for p, m in children)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    ).encode()


def urlset(base: str, entries: list[tuple[str, datetime | None]]) -> bytes:
    urls = "".join(f"<url><loc>{urljoin(base, p)}</loc>{_lastmod(m)}</url>" for p, m in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset '
        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def news_sitemap(base: str, stories: list[Story]) -> bytes:
    urls = "".join(
        f"<url><loc>{s.url(base)}</loc><news:news><news:publication><news:name>Fixture</news:name>"
        f"<news:language>en</news:language></news:publication><news:publication_date>"
        f"{s.published.isoformat()}</news:publication_date><news:title>{escape(s.headline)}</news:title>"
        f"</news:news></url>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>"
    ).encode()


def _lastmod(when: datetime | None) -> str:
    return f"<lastmod>{when.isoformat()}</lastmod>" if when else ""


def json_ld(data: dict[str, object]) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def article_ld(base: str, story: Story, kind: str = "NewsArticle") -> str:
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": kind,
            "headline": story.headline,
            "datePublished": story.published.isoformat(),
            "mainEntityOfPage": story.url(base),
        }
    )


def page(title: str, body: str, head: str = "", body_attrs: str = "") -> bytes:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>{head}</head>"
        f"<body {body_attrs}>{body}</body></html>"
    ).encode()


def listing(base: str, title: str, links: list[str]) -> bytes:
    items = "".join(f'<li><a href="{urljoin(base, p)}">{escape(p)}</a></li>' for p in links)
    head = json_ld({"@context": "https://schema.org", "@type": "CollectionPage", "name": title})
    return page(title, f"<h1>{escape(title)}</h1><ul>{items}</ul>", head)


def home(base: str, title: str, links: list[str], feed: str | None = None, head: str = "") -> bytes:
    """A front page: links to stories and sections, the feed advertised as ``<link rel="alternate">``."""
    if feed:
        href = urljoin(base, feed)
        head += f'<link rel="alternate" type="application/rss+xml" title="{escape(title)} Feed" href="{href}">'
    items = "".join(f'<li><a href="{urljoin(base, p)}">{escape(p)}</a></li>' for p in links)
    return page(title, f"<h1>{escape(title)}</h1><ul>{items}</ul>", head)


HEADLINE = "Navy Orders Three More Frigates"


PROSE = [
    "The Navy has ordered three more frigates from the shipyard, officials said on Monday, bringing the "
    "programme to nine hulls after a year of delays in design work and supplier contracts.",
    "The contract covers long-lead materials and detailed design, and the yard expects to lay the first "
    "keel of the new batch next spring once the workforce grows by several hundred welders.",
    "Analysts said the order shows the service is committed to the class despite cost growth, while "
    "lawmakers asked for a schedule review before the next budget request reaches Congress.",
    "The first ship of the class is due for sea trials late next year, two years later than planned, "
    "after the programme office rebaselined the schedule and revised the test plan twice.",
]


def html_page(body: str, *, title: str = HEADLINE, after: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Example News</title>
<meta property="og:title" content="{HEADLINE}"></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/navy">Navy</a></li><li><a href="/air">Air Force</a></li></ul></nav>
<main><article><h1>{HEADLINE}</h1><div class="article-body">{body}</div></article>{after}</main>
<footer><p>Copyright 2026 Example News. All rights reserved.</p></footer></body></html>"""


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


ARTICLE_JSON_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
    f'"headline": "{HEADLINE}", "datePublished": "2025-03-04T09:30:00+01:00", '
    '"author": {"@type": "Person", "name": "Jane Doe"}}</script>'
)


def article_with_metadata() -> str:
    """The generic article page with a NewsArticle JSON-LD block: headline, a dated +01:00 publication, an author."""
    return html_page(paragraphs(PROSE)).replace("</head>", ARTICLE_JSON_LD + "</head>")


def sitemap_gzip_bomb(inflated: int) -> bytes:
    """A sitemap-looking prefix and ``inflated`` bytes of zeros, gzip-compressed in bounded memory."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [comp.compress(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')]
    chunk = b"\0" * (1 << 20)
    out += [comp.compress(chunk) for _ in range(inflated >> 20)]
    return b"".join([*out, comp.flush()])

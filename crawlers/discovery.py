"""Discovery helpers for onboarding a new site: pure functions over fetched bytes, no network.

They find sitemaps (robots.txt ``Sitemap:`` lines), feeds (``<link rel="alternate">``), tell a sitemap
index from a urlset or a news sitemap, pick which children of an index hold posts, and infer an
article URL pattern from URLs known to be articles (feed items, post sitemaps).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from scrapy import Selector
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

# Where sites keep sitemaps when robots.txt does not say (WordPress/Yoast, WordPress core, generic,
# Google News plugins, Arc XP).
COMMON_SITEMAPS = (
    "/sitemap_index.xml",
    "/wp-sitemap.xml",
    "/sitemap.xml",
    "/news-sitemap.xml",
    "/sitemap_news.xml",
    "/arc/outboundfeeds/sitemap-index/?outputType=xml",
    "/arc/outboundfeeds/news-sitemap/?outputType=xml",
)
COMMON_FEEDS = ("/feed/", "/feed", "/rss.xml", "/rss/", "/arc/outboundfeeds/rss/?outputType=xml")
# Sitemap index children that hold posts, by platform convention (Yoast, WordPress core).
POST_SITEMAPS = (r"post-sitemap\d*\.xml", r"wp-sitemap-posts-post-\d+\.xml")
# Listing and system paths on common platforms (WordPress taxonomies, Drupal's unaliased /node/N), and
# sections of news sites whose pages share the articles' URL shape but are not articles.
DEFAULT_DENY = (
    r"^/(category|categories|tag|tags|author|authors|page|feed|search|topic|topics|wp-json|amp"
    r"|node|taxonomy|user|users)(/|$)",
    r"^/(video|videos|podcast|podcasts|gallery|galleries|photos|events|sponsored|newsletters?|jobs)/",
)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_NEWS_NS = b"sitemap-news/"


def sitemaps_in_robots(robots_txt: bytes, base_url: str) -> list[str]:
    return list(sitemap_urls_from_robots(robots_txt, base_url=base_url))


def feeds_in_html(html: bytes, base_url: str) -> list[str]:
    """Feeds a page advertises with ``<link rel="alternate" type="application/rss+xml" href=…>``."""
    selector = Selector(text=html.decode("utf-8", "replace"))
    found: list[str] = []
    for link in selector.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"):
        if (link.attrib.get("type") or "").lower() in _FEED_TYPES and link.attrib.get("href"):
            url = urljoin(base_url, link.attrib["href"].strip())
            if url not in found and "comments" not in url:
                found.append(url)
    return found


@dataclass(frozen=True)
class SitemapInfo:
    kind: str  # "sitemapindex" or "urlset"
    locs: list[str]
    news: bool


def read_sitemap(body: bytes) -> SitemapInfo | None:
    try:
        sitemap = Sitemap(body)
    except Exception:  # lxml raises several types on garbage; any of them means "not a sitemap"
        return None
    if sitemap.type not in ("sitemapindex", "urlset"):
        return None
    locs = [entry["loc"] for entry in sitemap if entry.get("loc")]
    return SitemapInfo(sitemap.type, locs, _NEWS_NS in body[:4096])


def post_sitemap_follow(children: list[str]) -> list[str]:
    """The ``follow`` patterns for an index whose children follow a known post-sitemap convention."""
    return [p for p in POST_SITEMAPS if any(re.search(p, child) for child in children)]


# ---------------------------------------------------------------------------- URL patterns

_SEGMENT_REGEX = {
    "Y": r"\d{4}",
    "M": r"\d{2}",
    "D": r"\d{2}",
    "N": r"\d+",
    "S": r"[\w%.]+(-[\w%.]+)+",
    "W": r"[\w%.-]+",
    "W+": r"[\w%.-]+(/[\w%.-]+)*",
}


def _shape(path: str) -> str:
    """A path's shape: /air/2024/01/15/my-slug/ -> /W+/Y/M/D/S/ (Y year, M month, D day, N number,
    S a slug with hyphens, W any other word; a run of leading words, section paths, is W+)."""
    shape = _segments(path)
    last = max((i for i, part in enumerate(shape) if part), default=0)
    shape = ["W" if part == "S" and i != last else part for i, part in enumerate(shape)]
    text = "/".join(shape)
    return re.sub(r"^(/W)+(?=/)", "/W+", text)


def _segments(path: str) -> list[str]:
    parts = path.split("/")
    shaped: list[str] = []
    for index, part in enumerate(parts):
        before = shaped[index - 1] if index else ""
        if not part:
            shaped.append("")
        elif re.fullmatch(r"(19|20)\d\d", part):
            shaped.append("Y")
        elif before == "Y" and re.fullmatch(r"0[1-9]|1[0-2]", part):
            shaped.append("M")
        elif before == "M" and re.fullmatch(r"0[1-9]|[12]\d|3[01]", part):
            shaped.append("D")
        elif part.isdigit():
            shaped.append("N")
        elif "-" in part.strip("-"):
            shaped.append("S")
        else:
            shaped.append("W")
    return shaped


def _shape_regex(shape: str) -> str:
    return "^" + "/".join(_SEGMENT_REGEX.get(part, part) for part in shape.split("/")) + "$"


@dataclass(frozen=True)
class ArticlePattern:
    allow: list[str]
    deny: list[str]
    shapes: dict[str, int]  # shape -> how many sample URLs had it


def infer_article_pattern(urls: list[str], *, min_share: float = 0.2, max_patterns: int = 3) -> ArticlePattern:
    """Allow patterns for the path shapes most sample article URLs share (each at least ``min_share``)."""
    paths = [urlsplit(url).path or "/" for url in urls]
    shapes = Counter(_shape(path) for path in paths if path != "/")
    if not shapes:
        raise ValueError("no article URLs to infer a pattern from")
    total = sum(shapes.values())
    chosen = [s for s, n in shapes.most_common(max_patterns) if n / total >= min_share and ("S" in s or "N" in s)]
    if not chosen:  # no slug-like shape: fall back to the commonest one
        chosen = [shapes.most_common(1)[0][0]]
    return ArticlePattern([_shape_regex(s) for s in chosen], list(DEFAULT_DENY), dict(shapes))

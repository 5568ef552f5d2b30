"""A publisher's archived history, generated: articles over two years and their captures, good and bad.

What a test may expect of it is computed from the model, never written down: which captures the
archive's index lists (a 404 capture is filtered out by ``statuscode:200``), which capture of each
article a backfill must choose (the earliest, or the latest, that is the article), which captures
it must skip and why. Deterministic for a seed; the fake archives (``tests.support.archives``)
serve it over the real protocols.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape

from tests.support.pages import json_ld, page

HOST = "www.archived-news.test"
SITE_TOML = """name = "{name}"
title = "Archived News (generated history)"
base_url = "https://{host}/"

[[sources]]
type = "sitemap"
url = "/sitemap.xml"

[articles]
allow = ['^/news/\\d{{4}}/\\d{{2}}/\\d{{2}}/[a-z0-9-]+/$']
deny = ['^/news/\\d{{4}}/\\d{{2}}/\\d{{2}}/sponsored-']
"""

# What a capture's memento is. "good" and "changed" are the article; the others stand in for it.
GOOD_KINDS = ("good", "changed")
_WORDS = [
    "frigate",
    "navy",
    "brigade",
    "ministry",
    "drone",
    "missile",
    "radar",
    "contract",
    "procurement",
    "budget",
    "exercise",
    "corvette",
    "squadron",
    "airbase",
    "battalion",
    "artillery",
    "logistics",
    "satellite",
    "submarine",
    "treaty",
    "border",
    "patrol",
    "convoy",
    "command",
    "doctrine",
    "reserve",
    "sensor",
    "armour",
    "helicopter",
    "tanker",
    "escort",
    "harbour",
    "shipyard",
    "delivery",
]


@dataclass(frozen=True)
class Capture:
    path: str  # path and query of the captured URL
    timestamp: str  # YYYYMMDDhhmmss
    kind: str  # good, changed, dup, redirect_ts, redirect_away, gone (CDX 404), error, soft_404, challenge
    scheme: str = "https"
    target: str = ""  # redirect_ts: the timestamp the memento redirects to
    host: str = HOST

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.path}"

    @property
    def status(self) -> int:
        return 404 if self.kind == "gone" else 200  # a redirect_away capture replays a redirect the index hid

    @property
    def at(self) -> datetime:
        return datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


@dataclass
class Article:
    number: int
    published: datetime
    slug: str
    captures: list[Capture] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/news/{self.published:%Y/%m/%d}/{self.slug}/"

    def html(self, kind: str = "good") -> bytes:
        rng = random.Random(self.number)
        paragraphs = [" ".join(rng.choice(_WORDS) for _ in range(40)).capitalize() + "." for _ in range(5)]
        paragraphs.insert(0, f"Story number {self.number} from the defence desk, filed as {self.slug}.")
        if kind == "changed":
            paragraphs.append(f"Update: the ministry corrected figures in story {self.number} after publication.")
        url = f"https://{HOST}{self.path}"
        head = (
            f'<link rel="canonical" href="{url}">'
            f'<meta property="article:published_time" content="{self.published.isoformat()}">'
            + json_ld(
                {
                    "@context": "https://schema.org",
                    "@type": "NewsArticle",
                    "headline": self.headline,
                    "datePublished": self.published.isoformat(),
                    "mainEntityOfPage": url,
                }
            )
        )
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        return page(self.headline, f"<article><h1>{escape(self.headline)}</h1>{body}</article>", head)

    @property
    def headline(self) -> str:
        return f"Defence story {self.number}: {self.slug.replace('-', ' ')}"

    def choice(
        self, capture: str = "earliest", archive: str = "wayback", within: tuple[datetime, datetime] | None = None
    ) -> Capture | None:
        """The capture a backfill must store: first (or last) in time that is the article. In the
        Wayback Machine a memento that redirects to another timestamp counts as the capture it lands
        on; Common Crawl lists those as redirects (status 301), which its index filter leaves out."""
        by_ts = {c.timestamp: c for c in self.captures}
        listed = [c for c in self.captures if within is None or within[0] <= c.at < within[1]]
        order = sorted(listed, key=lambda c: c.timestamp, reverse=capture == "latest")
        for candidate in order:
            if candidate.kind == "redirect_ts" and archive == "commoncrawl":
                continue
            landed = by_ts[candidate.target] if candidate.kind == "redirect_ts" else candidate
            if landed.kind in (*GOOD_KINDS, "dup"):
                return landed
        return None


@dataclass
class History:
    articles: list[Article]
    other: list[Capture]  # captures of non-article URLs: tag pages, the home page, sponsored posts

    def captures(self) -> Iterator[Capture]:
        for article in self.articles:
            yield from article.captures
        yield from self.other

    def body(self, capture: Capture) -> bytes:
        """What the capture's memento holds."""
        if capture.kind == "soft_404":
            return SOFT_404
        if capture.kind == "challenge":
            return CHALLENGE
        article = self.article_at(capture.path)
        if article is None:
            return other_page(capture)
        return article.html("changed" if capture.kind == "changed" else "good")

    @property
    def size(self) -> int:
        return sum(1 for _ in self.captures())

    def article_at(self, path: str) -> Article | None:
        return self._by_path().get(path.split("?", 1)[0])

    def _by_path(self) -> dict[str, Article]:
        if not hasattr(self, "_index"):
            self._index = {a.path: a for a in self.articles}
        return self._index


def _ts(when: datetime) -> str:
    return when.strftime("%Y%m%d%H%M%S")


# Extra captures per article beyond its first good one, by kind, and how often each comes first.
_EXTRA = (
    ("dup", 0.30),
    ("changed", 0.08),
    ("redirect_ts", 0.05),
    ("redirect_away", 0.04),
    ("gone", 0.10),
    ("error", 0.05),
    ("soft_404", 0.12),
    ("challenge", 0.12),
    ("variant", 0.09),
)


def generate(articles: int = 2000, captures: int = 5000, seed: int = 7, start: datetime | None = None) -> History:
    """``articles`` articles over two years from ``start`` in about ``captures`` captures (10% off-article)."""
    rng = random.Random(seed)
    start = start or datetime(2019, 1, 1, tzinfo=UTC)
    span = timedelta(days=730)
    result: list[Article] = []
    for number in range(articles):
        published = start + span * (number + rng.random()) / articles
        published = published.replace(microsecond=0)
        article = Article(number, published, f"story-{number}-{rng.choice(_WORDS)}")
        first = published + timedelta(hours=rng.uniform(1, 48))
        article.captures.append(Capture(article.path, _ts(first), "good"))
        result.append(article)
    others = max(1, captures // 10)
    extras = captures - articles - others
    kinds = [kind for kind, _ in _EXTRA]
    weights = [w for _, w in _EXTRA]
    for _ in range(extras):
        article = rng.choice(result)
        kind = rng.choices(kinds, weights)[0]
        _add_extra(rng, article, kind)
    other = [_other(rng, start, span, n) for n in range(others)]
    return History(result, other)


def _add_extra(rng: random.Random, article: Article, kind: str) -> None:
    base = article.captures[0].at
    taken = {c.timestamp for c in article.captures}
    before = kind in ("soft_404", "challenge", "error", "gone", "redirect_ts", "redirect_away") and rng.random() < 0.5
    when = base - timedelta(minutes=rng.uniform(1, 50)) if before else base + timedelta(days=rng.uniform(1, 200))
    stamp = _ts(when)
    while stamp in taken:
        when += timedelta(seconds=1)
        stamp = _ts(when)
    if kind == "variant":  # the same article by http:// or with a tracking query: same urlkey or same article
        path = article.path + ("?utm_source=newsletter" if rng.random() < 0.5 else "")
        article.captures.append(Capture(path, stamp, "dup", scheme="http"))
        return
    if kind == "redirect_ts":
        goods = [c for c in article.captures if c.kind in (*GOOD_KINDS, "dup") and c.path == article.path]
        article.captures.append(Capture(article.path, stamp, kind, target=rng.choice(goods).timestamp))
        return
    article.captures.append(Capture(article.path, stamp, kind))


def _other(rng: random.Random, start: datetime, span: timedelta, n: int) -> Capture:
    when = start + span * rng.random()
    pick = rng.random()
    if pick < 0.4:
        path = f"/tag/{rng.choice(_WORDS)}/"
    elif pick < 0.6:
        path = "/"
    elif pick < 0.8:
        path = f"/news/{when:%Y/%m/%d}/sponsored-{n}/"
    else:
        path = f"/about/page-{n}/"
    return Capture(path, _ts(when.replace(microsecond=0) + timedelta(seconds=n)), "good")


def other_page(capture: Capture) -> bytes:
    links = "".join(f'<li><a href="/tag/{w}/">{w}</a></li>' for w in _WORDS[:20])
    return page(f"Archived News {capture.path}", f"<h1>Archived News</h1><ul>{links}</ul>")


_NAV = "<nav><ul>" + "".join(f'<li><a href="/tag/{w}/">{w.title()}</a></li>' for w in _WORDS) + "</ul></nav>"
SOFT_404 = page(
    "Page not found - Archived News",
    f"{_NAV}<h1>Oops! That page can't be found.</h1><p>It looks like nothing was found at this location.</p>",
    body_attrs='class="error404"',
)
CHALLENGE = page(
    "Just a moment...",
    "<div>Checking your browser before accessing the site.</div><script>window._cf_chl_opt={cvId: '3'};</script>",
)

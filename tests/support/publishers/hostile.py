"""A site that misbehaves in every way a crawler must survive: 5xx, connection resets, slow answers,
truncated bodies, slow-drip bodies,
429/503 with Retry-After, an oversized page, bot checks (200 and 503), an empty 200, a paywall stub,
a robots.txt-disallowed page and a feed link to another host."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.support.http import RSS, TEXT, FixtureSite, Route
from tests.support.pages import Story, article_ld, day, page, robots, rss

GOOD = [
    "/a/normal/",
    "/a/flaky/",
    "/a/reset/",
    "/a/slow/",
    "/a/rate-limited/",
    "/a/unavailable/",
    "/a/paywalled/",
    "/a/truncated/",
    "/a/slow-drip/",
]
BLOCKED = {"/a/challenge/": "challenge", "/a/challenge-503/": "challenge", "/a/empty/": "empty"}
HUGE = "/a/huge/"
PRIVATE = "/a/private/"
OFFSITE = "/a/offsite/"
PAYWALL_MARKER = "Subscribe to keep reading"
CHALLENGE = page(
    "Just a moment...",
    "<noscript>Enable JavaScript and cookies to continue</noscript><script>window._cf_chl_opt={cvId:'3'};</script>",
)


def article(base: str, path: str, extra: str = "") -> bytes:
    story = Story(path, f"Story {path}", day(2024, 7, 1))
    text = "<p>" + "The exercise involved ships, aircraft and troops from six nations. " * 8 + "</p>"
    return page(story.headline, f"<h1>{story.headline}</h1>{text}{extra}", article_ld(base, story))


def build(base: str) -> FixtureSite:
    host = urlsplit(base)
    offsite = f"http://localhost:{host.port}{OFFSITE}"
    feed_links = [*GOOD, *BLOCKED, HUGE, PRIVATE]
    stories = [Story(p, p, day(2024, 7, 1)) for p in feed_links]
    feed = rss(base, stories).replace(b"</channel>", f"<item><link>{offsite}</link></item></channel>".encode())
    ok = {p: Route(article(base, p)) for p in GOOD}
    paywall = article(
        base,
        "/a/paywalled/",
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        f'"isAccessibleForFree": false}}</script><div class="stub">{PAYWALL_MARKER}</div>',
    )
    routes = {
        "/robots.txt": Route(robots(base, disallow=(PRIVATE,)), content_type=TEXT),
        "/feed/": Route(feed, content_type=RSS),
        "/a/normal/": ok["/a/normal/"],
        "/a/flaky/": Route(b"oops", status=500, then=ok["/a/flaky/"]),
        "/a/reset/": Route(reset=True, then=ok["/a/reset/"]),
        "/a/slow/": Route(article(base, "/a/slow/"), delay=2.5, then=ok["/a/slow/"]),
        "/a/rate-limited/": Route(b"slow down", status=429, headers={"Retry-After": "1"}, then=ok["/a/rate-limited/"]),
        "/a/unavailable/": Route(b"maintenance", status=503, headers={"Retry-After": "1"}, then=ok["/a/unavailable/"]),
        # Half the announced body, then the connection closes: data loss, never stored, retried.
        "/a/truncated/": Route(article(base, "/a/truncated/"), truncate=True, then=ok["/a/truncated/"]),
        # Headers at once, then the body a trickle at a time, past the download timeout.
        "/a/slow-drip/": Route(article(base, "/a/slow-drip/"), drip=0.2, then=ok["/a/slow-drip/"]),
        "/a/paywalled/": Route(paywall),
        "/a/challenge/": Route(CHALLENGE),
        "/a/challenge-503/": Route(CHALLENGE, status=503),
        "/a/empty/": Route(b""),
        HUGE: Route(article(base, HUGE, "<p>" + "x" * 300_000 + "</p>")),
        PRIVATE: Route(article(base, PRIVATE)),
        OFFSITE: Route(article(base, OFFSITE)),
    }
    return FixtureSite(routes, set(GOOD), {*BLOCKED, HUGE, PRIVATE, OFFSITE})

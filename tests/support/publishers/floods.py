"""A site whose responses flood the crawler with headers: 20,000 ``Set-Cookie`` lines, one header of
1 MiB, and an endless stream of header lines, beside good articles."""

from __future__ import annotations

import itertools
from typing import BinaryIO

from tests.support.http import RSS, TEXT, FixtureSite, Route
from tests.support.pages import Story, article_ld, day, page, robots, rss

GOOD = ["/a/good-1/", "/a/good-2/"]
FLOODS = {"/a/cookies/": "too_many_headers", "/a/big-header/": "headers_too_large", "/a/endless/": "too_many_headers"}
COOKIES = 20_000
BIG_HEADER = 1 << 20
# The endless stream stops here at the latest, so that even a crawler without limits ends its download
# (at its timeout) instead of exhausting the test machine.
ENDLESS_CAP = 1 << 30


def article(base: str, path: str) -> bytes:
    story = Story(path, f"Story {path}", day(2024, 7, 1))
    text = "<p>" + "The exercise involved ships, aircraft and troops from six nations. " * 8 + "</p>"
    return page(story.headline, f"<h1>{story.headline}</h1>{text}", article_ld(base, story))


def _head(extra: bytes, body: bytes) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + extra
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


def _cookies(body: bytes) -> Route:
    lines = b"".join(b"Set-Cookie: c%d=%s; Path=/\r\n" % (n, b"v" * 64) for n in range(COOKIES))
    return Route(raw=lambda out: out.write(_head(lines, body)))


def _big_header(body: bytes) -> Route:
    return Route(raw=lambda out: out.write(_head(b"X-Padding: " + b"p" * BIG_HEADER + b"\r\n", body)))


def _endless(out: BinaryIO) -> None:
    out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n")
    sent = 0
    chunk = b"".join(b"X-Flood-%d: %s\r\n" % (n, b"f" * 48) for n in range(1000))
    for _ in itertools.count():  # until the crawler hangs up, or the cap
        out.write(chunk)
        sent += len(chunk)
        if sent > ENDLESS_CAP:
            return


def build(base: str) -> FixtureSite:
    stories = [Story(p, p, day(2024, 7, 1)) for p in [*GOOD, *FLOODS]]
    filler = article(base, "/a/flood/")
    routes = {
        "/robots.txt": Route(robots(base), content_type=TEXT),
        "/feed/": Route(rss(base, stories), content_type=RSS),
        "/a/cookies/": _cookies(filler),
        "/a/big-header/": _big_header(filler),
        "/a/endless/": Route(raw=_endless),
    }
    routes.update({p: Route(article(base, p)) for p in GOOD})
    return FixtureSite(routes, set(GOOD), set(FLOODS))

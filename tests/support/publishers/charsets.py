"""A site whose articles are in every encoding a browser still reads, some of them badly labelled: UTF-8
with one stray byte (labelled UTF-8, and labelled ISO-8859-1 by a server default), UTF-16 with a BOM
and UTF-16 declared only in the HTTP header, windows-1251 and Shift_JIS declared only in the header."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.http import RSS, TEXT, FixtureSite, Route
from tests.support.pages import Story, day, robots, rss

MINISTER = "The minister’s statement, issued in Besançon, names the frigates Forbin and Chevalier Paul."
RUSSIAN = "Министерство обороны сообщило о начале учений на Балтийском море с участием кораблей и авиации."
JAPANESE = "防衛省は二十日、日本海で新しい共同演習を実施すると発表した。演習には護衛艦三隻と哨戒機が参加する。"


@dataclass(frozen=True)
class Encoded:
    path: str
    headline: str
    sentence: str  # the text every paragraph repeats; it must come out whole
    encoding: str  # how the bytes are written
    content_type: str  # what the server says
    meta: str | None = None  # the page's own <meta charset>
    stray: bool = False  # one invalid byte in the middle of the body


PAGES = [
    Encoded(
        "/a/stray-byte/", "Minister’s statement in Besançon", MINISTER, "utf-8", "text/html; charset=utf-8", stray=True
    ),
    Encoded(
        "/a/stray-byte-latin1/",
        "Frigates named in Besançon",
        MINISTER,
        "utf-8",
        "text/html; charset=ISO-8859-1",  # a server's default, on a page that says UTF-8 itself
        meta="utf-8",
        stray=True,
    ),
    Encoded("/a/utf16-bom/", "Frigates “Forbin” in Besançon", MINISTER, "utf-16", "text/html"),
    Encoded("/a/utf16-header/", "Minister in Besançon", MINISTER, "utf-16-be", "text/html; charset=utf-16"),
    Encoded("/a/cp1251/", "Учения на Балтийском море", RUSSIAN, "cp1251", "text/html; charset=windows-1251"),
    Encoded("/a/shift-jis/", "防衛省が共同演習を発表", JAPANESE, "shift_jis", "text/html; charset=Shift_JIS"),
]


def html(page: Encoded, base: str) -> bytes:
    meta = f'<meta charset="{page.meta}">' if page.meta else ""
    paragraphs = "".join(f"<p>{page.sentence} {page.sentence}</p>" for _ in range(4))
    text = (
        f"<!DOCTYPE html><html><head>{meta}<title>{page.headline}</title>"
        f'<meta property="og:title" content="{page.headline}">'
        '<meta property="article:published_time" content="2024-07-01T09:00:00+00:00">'
        f'<link rel="canonical" href="{base.rstrip("/")}{page.path}"></head>'
        f'<body><article><h1>{page.headline}</h1><div class="post-body">{paragraphs}</div></article></body></html>'
    )
    data = text.encode(page.encoding)
    if page.stray:  # one byte that is no UTF-8 at all, between two sentences
        middle = data.index(b"</p><p>")
        data = data[:middle] + b" \xff" + data[middle:]
    return data


def build(base: str) -> FixtureSite:
    stories = [Story(p.path, p.headline, day(2024, 7, 1)) for p in PAGES]
    routes = {
        "/robots.txt": Route(robots(base), content_type=TEXT),
        "/feed/": Route(rss(base, stories), content_type=RSS),
    }
    routes.update({p.path: Route(html(p, base), content_type=p.content_type) for p in PAGES})
    return FixtureSite(routes, {p.path for p in PAGES})

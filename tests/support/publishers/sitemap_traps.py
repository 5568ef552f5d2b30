"""A site whose sitemap indexes never end: a chain of indexes each naming a new one, an index that
names itself again under a new query string, and an index naming a hundred sitemaps. Every level
also names a urlset with one article, so a test can tell how deep and how wide the crawl went.

The chain and the loop stop after ``LEVELS`` levels, so that a crawler with no limits finishes too
(and fails the test) instead of running until it is killed.
"""

from __future__ import annotations

import re

from tests.support.http import TEXT, XML, FixtureSite, Route
from tests.support.pages import Story, article_ld, day, page, robots, sitemap_index, urlset

LEVELS = 200
FAN_OUT = 100
_CHAIN = re.compile(r"/chain/(\d+)\.xml")
_CHAIN_URLS = re.compile(r"/chain/(\d+)-urls\.xml")
_LOOP = re.compile(r"/loop\.xml\?page=(\d+)")
_LOOP_URLS = re.compile(r"/loop-urls\.xml\?page=(\d+)")
_FAN = re.compile(r"/fan/(\d+)\.xml")
_ARTICLE = re.compile(r"/a/[a-z]+-\d+/")


def _article(base: str, path: str) -> bytes:
    story = Story(path, f"Story {path}", day(2024, 7, 1))
    text = "<p>" + "The exercise involved ships, aircraft and troops from six nations. " * 8 + "</p>"
    return page(story.headline, f"<h1>{story.headline}</h1>{text}", article_ld(base, story))


def _answer(base: str, path: str) -> Route | None:
    if (m := _CHAIN.fullmatch(path)) and int(m[1]) <= LEVELS:
        n = int(m[1])
        children = [(f"chain/{n}-urls.xml", None)] + ([(f"chain/{n + 1}.xml", None)] if n < LEVELS else [])
        return Route(sitemap_index(base, children), content_type=XML)
    if m := _CHAIN_URLS.fullmatch(path):
        return Route(urlset(base, [(f"a/chain-{m[1]}/", day(2024, 7, 1))]), content_type=XML)
    if (m := _LOOP.fullmatch(path)) and int(m[1]) <= LEVELS:
        n = int(m[1])
        children = [("loop.xml?page=1", None), (f"loop-urls.xml?page={n}", None)]
        children += [(f"loop.xml?page={n + 1}", None)] if n < LEVELS else []
        return Route(sitemap_index(base, children), content_type=XML)
    if m := _LOOP_URLS.fullmatch(path):
        return Route(urlset(base, [(f"a/loop-{m[1]}/", day(2024, 7, 1))]), content_type=XML)
    if m := _FAN.fullmatch(path):
        return Route(urlset(base, [(f"a/fan-{m[1]}/", day(2024, 7, 1))]), content_type=XML)
    if _ARTICLE.fullmatch(path):
        return Route(_article(base, path))
    return None


def build(base: str) -> FixtureSite:
    routes = {
        "/robots.txt": Route(robots(base), content_type=TEXT),
        "/fan.xml": Route(sitemap_index(base, [(f"fan/{i}.xml", None) for i in range(FAN_OUT)]), content_type=XML),
    }
    return FixtureSite(routes, set(), fallback=lambda path: _answer(base, path))

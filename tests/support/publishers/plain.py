"""A plain publisher: robots.txt names one sitemap, the sitemap lists the articles, each a simple page.

Why here: half the crawler tests need just that site, with different stories, and used to build it
each in its own words.
"""

from __future__ import annotations

from datetime import datetime

from tests.support.http import TEXT, XML, FixtureSite, Route
from tests.support.pages import Story, article_ld, page, robots, urlset


def sitemap_routes(base: str, entries: list[tuple[str, datetime | None]], *, listed_base: str = "") -> dict[str, Route]:
    """``/robots.txt`` naming ``/sitemap.xml``, which lists ``entries`` (path, <lastmod>) on ``listed_base``
    (default: the site itself; another address lists the articles somewhere else)."""
    return {
        "/robots.txt": Route(robots(base, "/sitemap.xml"), content_type=TEXT),
        "/sitemap.xml": Route(urlset(listed_base or base, entries), content_type=XML),
    }


def story_page(base: str, story: Story) -> bytes:
    """An article page long enough to be an article: its headline and forty short paragraphs."""
    return page(story.headline, "<p>Text.</p>" * 40, article_ld(base, story))


def sitemap_site(base: str, stories: list[Story], *, delay: float = 0.0, listed_base: str = "") -> FixtureSite:
    """The whole site: the sitemap lists every story with its publication time; pages answer after ``delay``."""
    routes = sitemap_routes(base, [(s.path, s.published) for s in stories], listed_base=listed_base)
    routes.update({s.path: Route(story_page(base, s), delay=delay) for s in stories})
    return FixtureSite(routes, {s.path for s in stories})

"""A custom CMS (Defense One): RSS at /rss/all/, a sitemap index named in robots.txt, articles at
/<section>/YYYY/MM/<slug>/<id>/ with JSON-LD; section fronts and topic pages are not articles."""

from __future__ import annotations

from tests.support.http import RSS, TEXT, XML, FixtureSite, Route
from tests.support.pages import (
    Story,
    article_ld,
    day,
    home,
    listing,
    page,
    robots,
    rss,
    sitemap_index,
    urlset,
)

STORIES = [
    Story("/threats/2024/06/china-missile-test/393398/", "China missile test", day(2024, 6, 3)),
    Story("/technology/2024/06/pentagon-ai-office/393412/", "Pentagon AI office", day(2024, 6, 5)),
    Story("/policy/2024/06/ndaa-markup/393450/", "NDAA markup", day(2024, 6, 11)),
]
NON_ARTICLES = ["/threats/", "/topic/navy/", "/video/2024/06/a-video/393460/"]


def build(base: str) -> FixtureSite:
    routes = {
        "/": Route(home(base, "Defense One Fixture", [s.path for s in STORIES] + NON_ARTICLES, "/rss/all/")),
        "/robots.txt": Route(robots(base, "/sitemap.xml"), content_type=TEXT),
        "/sitemap.xml": Route(sitemap_index(base, [("/sitemaps/2024-06.xml", day(2024, 6, 11))]), content_type=XML),
        "/sitemaps/2024-06.xml": Route(
            urlset(base, [*((s.path, s.published) for s in STORIES[1:]), *((p, None) for p in NON_ARTICLES)]),
            content_type=XML,
        ),
        "/rss/all/": Route(rss(base, STORIES[:2]), content_type=RSS),
    }
    routes.update(
        {s.path: Route(page(s.headline, f"<h1>{s.headline}</h1><p>{s.body}</p>", article_ld(base, s))) for s in STORIES}
    )
    routes.update({p: Route(listing(base, p, [])) for p in NON_ARTICLES})
    return FixtureSite(routes, {s.path for s in STORIES}, set(NON_ARTICLES))

"""Next.js over headless WordPress (The War Zone): Yoast-style /sitemap_index.xml and /feed from the
WordPress back end; pages rendered by Next.js at /<section>/<slug> with the post in ``__NEXT_DATA__``."""

from __future__ import annotations

import json

from tests.support.http import RSS, TEXT, XML, FixtureSite, Route
from tests.support.pages import Story, day, home, listing, page, robots, rss, sitemap_index, urlset

STORIES = [
    Story("/air/b-21-raider-flies-again", "B-21 Raider flies again", day(2024, 4, 2)),
    Story("/sea/navy-tests-new-laser-weapon", "Navy tests new laser weapon", day(2024, 4, 6)),
    Story("/news-features/ukraine-drone-war-update", "Ukraine drone war update", day(2024, 4, 9)),
]
NON_ARTICLES = ["/air", "/sea", "/category/air", "/author/tyler-rogoway"]


def story_html(story: Story) -> bytes:
    data = {
        "props": {"pageProps": {"post": {"title": story.headline, "date": story.published.isoformat()}}},
        "page": "/[category]/[slug]",
        "buildId": "fixture",
    }
    head = '<script src="/_next/static/chunks/main.js" defer></script>'
    body = (
        f"<div id='__next'><h1>{story.headline}</h1><p>{story.body}</p></div>"
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'
    )
    return page(story.headline, body, head)


def build(base: str) -> FixtureSite:
    routes = {
        "/": Route(
            home(
                base,
                "TWZ Fixture",
                [s.path for s in STORIES] + NON_ARTICLES,
                "/feed",
                '<script id="__NEXT_DATA__" type="application/json">{}</script>',
            )
        ),
        "/robots.txt": Route(robots(base, "/sitemap_index.xml"), content_type=TEXT),
        "/sitemap_index.xml": Route(
            sitemap_index(base, [("/post-sitemap.xml", day(2024, 4, 9)), ("/category-sitemap.xml", None)]),
            content_type=XML,
        ),
        "/post-sitemap.xml": Route(urlset(base, [(s.path, s.published) for s in STORIES]), content_type=XML),
        "/category-sitemap.xml": Route(urlset(base, [(p, None) for p in NON_ARTICLES]), content_type=XML),
        "/feed": Route(rss(base, STORIES[1:]), content_type=RSS),
    }
    routes.update({s.path: Route(story_html(s)) for s in STORIES})
    routes.update({p: Route(listing(base, p, [])) for p in NON_ARTICLES})
    return FixtureSite(routes, {s.path for s in STORIES}, set(NON_ARTICLES))

"""Arc XP (Defense News, C4ISRNET, Military Times): /arc/outboundfeeds/ serves the RSS feed, a Google News
sitemap and a sitemap index, all with ``?outputType=xml``; stories live at /<section>/YYYY/MM/DD/<slug>/
and embed ``Fusion.globalContent`` with ``"type":"story"``; CSS class names are generated."""

from __future__ import annotations

import json

from tests.support.http import RSS, TEXT, XML, FixtureSite, Route
from tests.support.pages import (
    Story,
    article_ld,
    day,
    home,
    listing,
    news_sitemap,
    page,
    robots,
    rss,
    sitemap_index,
    urlset,
)

Q = "?outputType=xml"
STORIES = [
    Story("/air/2024/01/15/the-f-35-gets-a-new-engine/", "The F-35 gets a new engine", day(2024, 1, 15)),
    Story("/naval/2024/01/22/destroyer-program-delayed/", "Destroyer program delayed", day(2024, 1, 22)),
    Story("/news/pentagon-congress/2024/02/01/budget-deal/", "Budget deal reached", day(2024, 2, 1)),
    Story("/land/2024/02/03/army-tank-upgrade/", "Army tank upgrade", day(2024, 2, 3)),
]
NON_ARTICLES = ["/video/2024/01/20/a-video-story/", "/air/", "/author/jane-doe/"]


def story_html(base: str, story: Story) -> bytes:
    fusion = json.dumps({"_id": "ABC", "type": "story", "headlines": {"basic": story.headline}})
    head = f"{article_ld(base, story)}<script>window.Fusion=window.Fusion||{{}};Fusion.globalContent={fusion};</script>"
    body = (
        f'<article class="a-1x2y3z"><h1 class="b-9q8r">{story.headline}</h1><p class="c-77">{story.body}</p></article>'
    )
    return page(story.headline, body, head)


def build(base: str) -> FixtureSite:
    routes = {
        "/": Route(
            home(
                base,
                "Arc Fixture",
                [s.path for s in STORIES] + NON_ARTICLES,
                f"/arc/outboundfeeds/rss/{Q}",
                "<script>Fusion.globalContent={};</script>",
            )
        ),
        "/robots.txt": Route(
            robots(base, f"/arc/outboundfeeds/sitemap-index/{Q}", f"/arc/outboundfeeds/news-sitemap/{Q}"),
            content_type=TEXT,
        ),
        f"/arc/outboundfeeds/news-sitemap/{Q}": Route(news_sitemap(base, STORIES[2:]), content_type=XML),
        f"/arc/outboundfeeds/sitemap-index/{Q}": Route(
            sitemap_index(
                base,
                [
                    (f"/arc/outboundfeeds/sitemap/2024-01/{Q}", day(2024, 1, 31)),
                    (f"/arc/outboundfeeds/sitemap/2024-02/{Q}", day(2024, 2, 3)),
                ],
            ),
            content_type=XML,
        ),
        f"/arc/outboundfeeds/sitemap/2024-01/{Q}": Route(
            urlset(
                base,
                [
                    *((s.path, s.published) for s in STORIES[:2]),
                    (NON_ARTICLES[0], day(2024, 1, 20)),
                    (NON_ARTICLES[1], None),
                ],
            ),
            content_type=XML,
        ),
        f"/arc/outboundfeeds/sitemap/2024-02/{Q}": Route(
            urlset(base, [(s.path, s.published) for s in STORIES[2:]]), content_type=XML
        ),
        f"/arc/outboundfeeds/rss/{Q}": Route(rss(base, STORIES[1:3]), content_type=RSS),
    }
    routes.update({s.path: Route(story_html(base, s)) for s in STORIES})
    routes.update({p: Route(listing(base, p, [])) for p in NON_ARTICLES})
    return FixtureSite(routes, {s.path for s in STORIES}, set(NON_ARTICLES))

"""WordPress with Yoast SEO (19FortyFive, Breaking Defense, War on the Rocks…): robots.txt names
/sitemap_index.xml, whose children are post-, page-, category- and author-sitemaps; /feed/ is RSS 2.0;
posts live at /YYYY/MM/<slug>/ with ``single-post`` body classes and a Yoast JSON-LD graph."""

from __future__ import annotations

from tests.support.http import RSS, TEXT, XML, FixtureSite, Route
from tests.support.pages import (
    Story,
    day,
    home,
    json_ld,
    listing,
    page,
    robots,
    rss,
    sitemap_index,
    urlset,
)

STORIES = [
    Story("/2024/01/navy-shipbuilding-plan/", "Navy shipbuilding plan slips again", day(2024, 1, 8)),
    Story("/2024/01/army-long-range-fires/", "Army long-range fires update", day(2024, 1, 19)),
    Story("/2024/02/space-force-budget/", "Space Force budget request", day(2024, 2, 2)),
    Story("/2024/02/f-47-first-flight/", "F-47 first flight", day(2024, 2, 14)),
]
PAGES = ["/about/", "/contact/"]
TAXONOMY = ["/category/navy/", "/category/air/", "/author/jane-doe/"]


def post_html(base: str, story: Story) -> bytes:
    graph = json_ld(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage", "@id": story.url(base)},
                {"@type": "NewsArticle", "headline": story.headline, "datePublished": story.published.isoformat()},
            ],
        }
    )
    body = (
        f'<article class="post type-post"><h1 class="entry-title">{story.headline}</h1>'
        f'<div class="entry-content"><p>{story.body}</p></div></article>'
    )
    head = f"{graph}<link rel='stylesheet' href='{base}wp-content/themes/x/style.css'>"
    return page(story.headline, body, head, 'class="post-template-default single single-post postid-1"')


def build(base: str) -> FixtureSite:
    routes = {
        "/robots.txt": Route(robots(base, "/sitemap_index.xml"), content_type=TEXT),
        "/sitemap_index.xml": Route(
            sitemap_index(
                base,
                [
                    ("/post-sitemap.xml", day(2024, 2, 14)),
                    ("/post-sitemap2.xml", day(2024, 1, 19)),
                    ("/page-sitemap.xml", None),
                    ("/category-sitemap.xml", None),
                    ("/author-sitemap.xml", None),
                ],
            ),
            content_type=XML,
        ),
        "/post-sitemap.xml": Route(urlset(base, [(s.path, s.published) for s in STORIES[2:]]), content_type=XML),
        "/post-sitemap2.xml": Route(urlset(base, [(s.path, s.published) for s in STORIES[:2]]), content_type=XML),
        "/page-sitemap.xml": Route(urlset(base, [(p, None) for p in PAGES]), content_type=XML),
        "/category-sitemap.xml": Route(urlset(base, [(p, None) for p in TAXONOMY[:2]]), content_type=XML),
        "/author-sitemap.xml": Route(urlset(base, [(TAXONOMY[2], None)]), content_type=XML),
        "/feed/": Route(rss(base, STORIES[1:]), content_type=RSS),
        "/": Route(
            home(
                base,
                "Yoast Fixture",
                [s.path for s in STORIES] + PAGES + TAXONOMY,
                "/feed/",
                "<link rel='stylesheet' href='/wp-content/themes/x/style.css'>",
            )
        ),
    }
    routes.update({s.path: Route(post_html(base, s)) for s in STORIES})
    routes.update({p: Route(listing(base, p, [])) for p in PAGES + TAXONOMY})
    return FixtureSite(routes, {s.path for s in STORIES}, set(PAGES + TAXONOMY))

"""WordPress core sitemaps (WordPress 5.5+, no SEO plugin; shaped like UK Defence Journal): robots.txt names
/wp-sitemap.xml, an index of wp-sitemap-posts-post-N, -posts-page-N, -taxonomies-category-N and -users-N;
posts live at /<slug>/ with no date, so pages (also /<slug>/) are told apart only by their sitemap."""

from __future__ import annotations

from tests.support.http import RSS, TEXT, XML, FixtureSite, Route
from tests.support.pages import Story, day, home, listing, page, robots, rss, sitemap_index, urlset
from tests.support.publishers.wordpress_yoast import post_html

STORIES = [
    Story("/royal-navy-frigate-returns-home/", "Royal Navy frigate returns home", day(2024, 3, 1)),
    Story("/british-army-orders-new-howitzers/", "British Army orders new howitzers", day(2024, 3, 5)),
    Story("/raf-typhoons-scrambled-over-north-sea/", "RAF Typhoons scrambled", day(2024, 3, 9)),
]
PAGES = ["/about-the-journal/", "/write-for-us-today/"]
TAXONOMY = ["/category/navy/", "/author/george-allison/"]


def build(base: str) -> FixtureSite:
    routes = {
        "/": Route(
            home(
                base,
                "UKDJ Fixture",
                [s.path for s in STORIES] + PAGES,
                "/feed/",
                "<script src='/wp-includes/js/wp-emoji.js'></script>",
            )
        ),
        "/robots.txt": Route(robots(base, "/wp-sitemap.xml", disallow=("/wp-admin/",)), content_type=TEXT),
        "/wp-sitemap.xml": Route(
            sitemap_index(
                base,
                [
                    ("/wp-sitemap-posts-post-1.xml", None),
                    ("/wp-sitemap-posts-page-1.xml", None),
                    ("/wp-sitemap-taxonomies-category-1.xml", None),
                    ("/wp-sitemap-users-1.xml", None),
                ],
            ),
            content_type=XML,
        ),
        "/wp-sitemap-posts-post-1.xml": Route(urlset(base, [(s.path, s.published) for s in STORIES]), content_type=XML),
        "/wp-sitemap-posts-page-1.xml": Route(urlset(base, [(p, None) for p in PAGES]), content_type=XML),
        "/wp-sitemap-taxonomies-category-1.xml": Route(urlset(base, [(TAXONOMY[0], None)]), content_type=XML),
        "/wp-sitemap-users-1.xml": Route(urlset(base, [(TAXONOMY[1], None)]), content_type=XML),
        "/feed/": Route(rss(base, STORIES[:2]), content_type=RSS),
    }
    routes.update({s.path: Route(post_html(base, s)) for s in STORIES})
    routes.update({p: Route(page(p, "<p>About us</p>")) for p in PAGES})
    routes.update({p: Route(listing(base, p, [])) for p in TAXONOMY})
    return FixtureSite(routes, {s.path for s in STORIES}, set(PAGES + TAXONOMY))

"""Drupal (The National Interest): /sitemap.xml is one urlset holding nodes and taxonomy terms alike;
articles are /blog/<blog>/<slug>-<nid> or /feature/<slug>-<nid> with ``node--type-article`` classes."""

from __future__ import annotations

from tests.support.http import RSS, TEXT, XML, FixtureSite, Route
from tests.support.pages import Story, day, home, listing, page, robots, rss, urlset

STORIES = [
    Story("/blog/buzz/the-navy-needs-more-ships-208765", "The Navy needs more ships", day(2024, 5, 1)),
    Story("/feature/a-new-cold-war-209876", "A new cold war", day(2024, 5, 3)),
    Story("/blog/the-reboot/why-deterrence-still-works-210001", "Why deterrence still works", day(2024, 5, 7)),
]
NON_ARTICLES = ["/topic/security", "/blog/buzz", "/node/208765", "/about-us"]


def node_html(story: Story) -> bytes:
    head = '<meta name="Generator" content="Drupal 10 (https://www.drupal.org)">'
    body = (
        f'<article class="node node--type-article node--view-mode-full"><h1>{story.headline}</h1>'
        f"<div class='field--name-body'><p>{story.body}</p></div></article>"
    )
    return page(story.headline, body, head, 'class="path-node page-node-type-article"')


def build(base: str) -> FixtureSite:
    routes = {
        "/": Route(
            home(
                base,
                "TNI Fixture",
                [s.path for s in STORIES] + NON_ARTICLES,
                "/feed",
                '<meta name="Generator" content="Drupal 10 (https://www.drupal.org)">',
            )
        ),
        "/robots.txt": Route(robots(base, "/sitemap.xml", disallow=("/admin/", "/user/")), content_type=TEXT),
        "/sitemap.xml": Route(
            urlset(base, [*((s.path, s.published) for s in STORIES), *((p, None) for p in NON_ARTICLES)]),
            content_type=XML,
        ),
        "/feed": Route(rss(base, STORIES[:2]), content_type=RSS),
    }
    routes.update({s.path: Route(node_html(s)) for s in STORIES})
    routes.update({p: Route(listing(base, p, [])) for p in NON_ARTICLES})
    return FixtureSite(routes, {s.path for s in STORIES}, set(NON_ARTICLES))

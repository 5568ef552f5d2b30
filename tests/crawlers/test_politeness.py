"""Politeness end to end on loopback: robots.txt Crawl-delay paces requests, one request at a time when
the site's config says ``concurrency = 1``, even with DOWNLOAD_DELAY and AutoThrottle switched off."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from tests.support.crawling import crawl
from tests.support.http import RSS, TEXT, FixtureSite, Route, serving
from tests.support.pages import Story, article_ld, day, page, robots, rss
from tests.support.site_configs import FEED, fixture_site

CRAWL_DELAY = 0.25
STORIES = [Story(f"/2024/08/story-{n}/", f"Story {n}", day(2024, 8, n + 1)) for n in range(3)]


def build(base: str) -> FixtureSite:
    routes = {
        "/robots.txt": Route(robots(base, extra=f"Crawl-delay: {CRAWL_DELAY}"), content_type=TEXT),
        "/feed/": Route(rss(base, STORIES), content_type=RSS),
    }
    routes.update(
        {s.path: Route(page(s.headline, "<p>Text</p>" * 50, article_ld(base, s)), delay=0.05) for s in STORIES}
    )
    return FixtureSite(routes, {s.path for s in STORIES})


@pytest.mark.slow
def test_crawl_delay_and_concurrency(tmp_path: Path) -> None:
    with serving(build) as (server, site):
        config = fixture_site("polite", server.base_url, sources=(FEED,), crawl={"concurrency": 1})
        report = crawl(config, tmp_path)
        starts = [entry.at for entry in server.log if entry.path in site.article_paths]

    assert report.articles_fetched == len(STORIES)
    assert report.stats["politeness/crawl_delay"] == CRAWL_DELAY
    gaps = [b - a for a, b in pairwise(starts)]
    assert min(gaps) >= CRAWL_DELAY * 0.9, f"requests {gaps} apart; robots.txt asked for {CRAWL_DELAY} s"
    assert server.max_in_flight == 1

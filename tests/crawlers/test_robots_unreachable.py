"""robots.txt that cannot be read (RFC 9309 §2.3.1.3-4): a server error or a rate limit after retries
means complete disallow, so no article is fetched, the report names the host and why, and the crawl
fails (exit 5) so its task is retried later; a 4xx means there is no robots.txt, so the crawl proceeds
(and the error page's text is never read as rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.report import format_summary
from crawlers.runner import CrawlError, CrawlUnreachableError
from crawlers.sites import SiteConfig
from tests.support.crawling import article_paths, crawl, warc_responses
from tests.support.http import HTML, RSS, FixtureServer, FixtureSite, Route
from tests.support.pages import Story, article_ld, day, page, rss
from tests.support.site_configs import FEED, fixture_site

pytestmark = pytest.mark.slow
STORIES = [Story(f"/a/story-{n}/", f"Story {n}", day(2024, 7, 1)) for n in range(3)]
# What a server's error page may say; never rules (Scrapy read a 404's body as robots.txt).
ERROR_PAGE = b"<html><body>\nUser-agent: *\nDisallow: /\n</body></html>"


def serve(robots: Route) -> FixtureServer:
    server = FixtureServer()
    base = server.base_url
    text = "<p>" + "The exercise involved ships, aircraft and troops from six nations. " * 8 + "</p>"
    routes = {"/robots.txt": robots, "/feed/": Route(rss(base, STORIES), content_type=RSS)}
    routes.update(
        {s.path: Route(page(s.headline, f"<h1>{s.headline}</h1>{text}", article_ld(base, s))) for s in STORIES}
    )
    server.serve(FixtureSite(routes, {s.path for s in STORIES}))
    return server


def config(server: FixtureServer) -> SiteConfig:
    return fixture_site("robots", server.base_url, sources=(FEED,), allow="^/a/")


@pytest.mark.parametrize("status", [503, 429])
def test_a_robots_txt_answering_server_errors_disallows_everything(status: int, tmp_path: Path) -> None:
    server = serve(Route(ERROR_PAGE, status=status, content_type=HTML))
    try:
        with pytest.raises(CrawlError) as failed:
            crawl(config(server), tmp_path, RETRY_TIMES=1)
    finally:
        server.close()
    assert {entry.path for entry in server.log} == {"/robots.txt"}  # asked twice (a retry), nothing else
    assert server.count("/robots.txt") == 2
    host = server.base_url.split("/")[2]
    assert f"robots.txt unreachable: {host} (HTTP {status}); all of it disallowed" in failed.value.reason
    assert "exit code 5" in failed.value.reason
    report = failed.value.report
    assert report is not None
    assert report.summary.robots_unreachable == [f"{host} (HTTP {status})"]
    assert report.stats["robotstxt/forbidden/unreachable"] == 1  # the feed; no article was ever found
    assert "robots.txt unreachable, all disallowed" in format_summary(report)


def test_a_robots_txt_whose_download_fails_disallows_everything(tmp_path: Path) -> None:
    """A network error is "unreachable" too: the crawl reached nothing it was allowed to fetch."""
    server = serve(Route(reset=True))
    try:
        with pytest.raises(CrawlUnreachableError, match="reached nothing") as failed:
            crawl(config(server), tmp_path, RETRY_TIMES=1)
    finally:
        server.close()
    assert {entry.path for entry in server.log} == {"/robots.txt"}
    assert failed.value.report is not None
    assert failed.value.report.summary.robots_unreachable[0].endswith("(DownloadFailedError)")


@pytest.mark.parametrize("status", [404, 403])
def test_a_robots_txt_that_is_not_there_allows_everything(status: int, tmp_path: Path) -> None:
    server = serve(Route(ERROR_PAGE, status=status, content_type=HTML))
    try:
        report = crawl(config(server), tmp_path, RETRY_TIMES=1)
    finally:
        server.close()
    site = config(server)
    assert report.finish_reason == "finished"
    assert article_paths(warc_responses(tmp_path, "robots"), site) == sorted(s.path for s in STORIES)
    assert report.summary.robots_unreachable == []
    assert "robotstxt/forbidden" not in report.stats

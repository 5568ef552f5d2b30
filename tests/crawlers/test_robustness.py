"""One crawl of a misbehaving loopback site (tests/support/publishers/hostile.py) and what it must show:
retries with backoff, Retry-After honoured, size limit, bot checks counted as blocked and never stored,
paywall stubs flagged, robots.txt and offsite rules kept, an honest User-Agent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from corpus.version import VERSION
from crawlers.report import CrawlReport
from crawlers.sites import SiteConfig
from tests.support.crawling import WarcResponse, article_paths, crawl, warc_responses
from tests.support.http import FixtureServer, FixtureSite, serving
from tests.support.publishers import hostile
from tests.support.site_configs import FEED, fixture_site

CONTACT = "https://example.org/crawler-contact"


@dataclass
class HostileRun:
    server: FixtureServer
    site: FixtureSite
    config: SiteConfig
    report: CrawlReport
    stored: list[WarcResponse]

    def times(self, path: str) -> list[float]:
        return [entry.at for entry in self.server.requests_to(path)]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileRun]:
    store = tmp_path_factory.mktemp("store")
    with serving(hostile.build) as (server, site):
        config = fixture_site(
            "hostile",
            server.base_url,
            sources=(FEED,),
            allow="^/a/",
            crawl={
                "contact_url": CONTACT,
                "max_response_bytes": 65536,
                "paywall_markers": [hostile.PAYWALL_MARKER],
            },
        )
        report = crawl(config, store, RETRY_TIMES=2, DOWNLOAD_TIMEOUT=1)
        yield HostileRun(server, site, config, report, warc_responses(store, "hostile"))


pytestmark = pytest.mark.slow


def test_every_good_article_arrives_once_despite_errors(run: HostileRun) -> None:
    assert run.report.finish_reason == "finished"
    assert article_paths(run.stored, run.config) == sorted(hostile.GOOD)
    assert run.report.articles_fetched == len(hostile.GOOD)


def test_5xx_reset_timeout_truncation_and_slow_drip_are_retried_with_backoff(run: HostileRun) -> None:
    for path in ("/a/flaky/", "/a/reset/", "/a/slow/", "/a/truncated/", "/a/slow-drip/"):
        assert len(run.times(path)) == 2, path
    first, second = run.times("/a/flaky/")
    assert second - first >= 0.1  # DEFCORPUS_BACKOFF_BASE=0.2 with at most 50 % jitter
    stats = run.report.stats
    assert stats["retry/reason_count/500 Internal Server Error"] == 1
    assert stats["retry/reason_count/scrapy.exceptions.DownloadFailedError"] == 1  # the reset
    assert stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 2  # the slow page, the drip
    assert stats["retry/reason_count/scrapy.exceptions.ResponseDataLossError"] == 1  # the truncated body
    assert stats["backoff/waits"] >= 3


@pytest.mark.parametrize("path", ["/a/rate-limited/", "/a/unavailable/"])
def test_429_and_503_honour_retry_after(run: HostileRun, path: str) -> None:
    first, second = run.times(path)
    assert second - first >= 0.95, f"{path} retried after {second - first:.2f} s, Retry-After said 1 s"


def test_retry_after_is_counted(run: HostileRun) -> None:
    stats = run.report.stats
    assert stats["backoff/retry_after/429"] == 1
    assert stats["backoff/retry_after/503"] == 1


def test_bot_checks_are_blocked_not_stored(run: HostileRun) -> None:
    summary = run.report.summary
    assert summary.blocked == 3
    assert summary.blocked_by_reason == {"challenge": 2, "empty": 1}
    stored = {r.path for r in run.stored}
    assert not stored & set(hostile.BLOCKED)


def test_oversized_response_is_cut_off(run: HostileRun) -> None:
    assert hostile.HUGE not in {r.path for r in run.stored}
    assert run.server.count(hostile.HUGE) >= 1


def test_paywall_stub_is_flagged(run: HostileRun) -> None:
    flagged = {r.path for r in run.stored if "paywall" in r.flags}
    assert flagged == {"/a/paywalled/"}
    assert run.report.summary.paywalled == 1


def test_robots_and_offsite_are_respected(run: HostileRun) -> None:
    assert run.server.count(hostile.PRIVATE) == 0
    assert run.server.count(hostile.OFFSITE) == 0
    assert run.report.stats["robotstxt/forbidden"] == 1
    assert run.report.stats["offsite/filtered"] >= 1


def test_user_agent_is_honest_with_contact_url(run: HostileRun) -> None:
    agents = {entry.headers.get("user-agent", "") for entry in run.server.log}
    assert agents == {f"defcorpus/{VERSION} (+{CONTACT}; news corpus crawler)"}


def test_report_summary_has_the_numbers(run: HostileRun) -> None:
    summary = run.report.summary
    assert summary.requests == run.report.stats["downloader/request_count"]
    assert summary.responses_by_status["200"] >= len(hostile.GOOD)
    assert summary.responses_by_status["429"] == 1
    assert summary.bytes > 0 and summary.duration_seconds > 0

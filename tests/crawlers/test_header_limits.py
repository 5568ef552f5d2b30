"""Header floods (tests/support/publishers/floods.py): 20,000 ``Set-Cookie`` lines, one 1 MiB header and an
endless stream of header lines. Each response is refused with a counted reason and not retried, the
good articles are stored, and the crawl's memory stays bounded (before: the endless stream was held
line by line until the download timeout, 1.6 GB of RSS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DownloadFailedError
from scrapy.settings import Settings
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from crawlers.handlers.http11 import HeaderFloodError, HeaderLimits, header_flood
from crawlers.runner import CrawlRefusedError
from tests.support.crawling import article_paths, crawl, warc_responses
from tests.support.http import FixtureServer, serving
from tests.support.publishers import floods
from tests.support.site_configs import FEED, fixture_site

pytestmark = pytest.mark.slow
MiB = 1024 * 1024
# The crawl process of a small site peaks near 160-210 MiB (docs/operations.md, Sizing); without the
# limits the endless stream alone added about 25 MiB a second until the download timeout.
PEAK_RSS_LIMIT = 320 * MiB


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FixtureServer, dict[str, Any], list[str]]]:
    store = tmp_path_factory.mktemp("store")
    with serving(floods.build) as (server, _site):
        config = fixture_site("floods", server.base_url, sources=(FEED,), allow="^/a/")
        # A long timeout: a crawler without limits keeps reading the endless stream for 30 s.
        report = crawl(config, store, RETRY_TIMES=2, DOWNLOAD_TIMEOUT=30)
        yield server, report, article_paths(warc_responses(store, "floods"), config)


def test_each_flood_is_refused_with_its_reason(run: tuple[FixtureServer, dict[str, Any], list[str]]) -> None:
    _, report, _ = run
    assert report.summary.refused_by_reason == {"headers_too_large": 1, "too_many_headers": 2}
    assert report.summary.refused == 3
    assert report.summary.failed == 0  # a refusal is not a network failure


def test_a_refused_response_is_not_retried(run: tuple[FixtureServer, dict[str, Any], list[str]]) -> None:
    server, _, _ = run
    assert {path: server.count(path) for path in floods.FLOODS} == dict.fromkeys(floods.FLOODS, 1)


def test_good_articles_are_stored_and_floods_are_not(run: tuple[FixtureServer, dict[str, Any], list[str]]) -> None:
    _, report, stored = run
    assert stored == sorted(floods.GOOD)
    assert report.finish_reason == "finished"


def test_memory_stays_bounded(run: tuple[FixtureServer, dict[str, Any], list[str]]) -> None:
    _, report, _ = run
    peak = report.summary.peak_rss_bytes  # the crawl process's own peak (VmHWM)
    print(f"peak RSS of the crawl: {peak // MiB} MiB")
    assert 0 < peak < PEAK_RSS_LIMIT


def test_limits_come_from_the_settings() -> None:
    settings = Settings({"DEFCORPUS_HEADERS_MAX_COUNT": 10, "DEFCORPUS_HEADERS_MAX_BYTES": 4096})
    assert HeaderLimits.from_settings(settings) == HeaderLimits(10, 4096)
    with pytest.raises(ValueError, match="must be positive"):
        HeaderLimits.from_settings(Settings({"DEFCORPUS_HEADERS_MAX_COUNT": 0, "DEFCORPUS_HEADERS_MAX_BYTES": 1}))


def test_a_limit_below_one_refuses_the_crawl(tmp_path: Path) -> None:
    config = fixture_site("floods", "http://127.0.0.1:9/", sources=(FEED,), allow="^/a/")
    with pytest.raises(CrawlRefusedError, match="DEFCORPUS_HEADERS_MAX_BYTES must be positive"):
        crawl(config, tmp_path, DEFCORPUS_HEADERS_MAX_BYTES=0)


def test_header_flood_is_found_behind_scrapys_error() -> None:
    flood = HeaderFloodError("too_many_headers", "more than 2 header lines")
    try:
        try:
            raise ResponseFailed([Failure(flood)])
        except ResponseFailed as cause:
            raise DownloadFailedError("failed") from cause
    except DownloadFailedError as exc:
        assert header_flood(exc) is flood
    assert header_flood(DownloadFailedError("reset")) is None

"""Bot checks that used to be published as articles (tests/support/publishers/challenges.py): a challenge
in another language, one whose title comes after 150 KB of inline script and style, a soft 404, DataDome's
block page. None is stored or emitted; each is counted by kind; the look-alike articles are kept.
And a crawl whose blocked share jumps against the site's earlier crawls fails its quality check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawlers.report import CrawlReport
from crawlers.sites import SiteConfig
from defcorpus.orchestration import tasks
from defcorpus.orchestration.settings import StoreSettings
from defcorpus.quality import QualityCheckError, Thresholds, check_crawl
from tests.support.crawling import NO_PACING, WarcResponse, article_paths, crawl, warc_responses
from tests.support.http import serving
from tests.support.publishers import challenges
from tests.support.site_configs import FEED, fixture_site

pytestmark = pytest.mark.slow


def site(base_url: str, name: str = "challenged") -> SiteConfig:
    return fixture_site(name, base_url, sources=(FEED,), allow="^/a/")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], list[WarcResponse], SiteConfig]]:
    store = tmp_path_factory.mktemp("store")
    with serving(challenges.build) as (server, _site):
        config = site(server.base_url)
        report = crawl(config, store, RETRY_TIMES=0)
        yield report, warc_responses(store, config.name), config


def test_no_challenge_or_soft_404_is_stored(run: tuple[dict[str, Any], list[WarcResponse], SiteConfig]) -> None:
    report, stored, config = run
    assert not {r.path for r in stored} & set(challenges.BLOCKED)
    good = ["/a/good-0/", "/a/good-1/", "/a/good-2/", *challenges.LOOKALIKES]
    assert article_paths(stored, config) == sorted(good)
    assert report.articles_fetched == len(good)


def test_each_kind_is_counted(run: tuple[dict[str, Any], list[WarcResponse], SiteConfig]) -> None:
    report, _, _ = run
    assert report.summary.blocked_by_reason == {"challenge": 3, "soft_404": 1}
    assert report.summary.blocked_share == round(4 / (4 + report.stats["response_received_count"]), 4)


def test_a_jump_in_the_blocked_share_fails_the_crawl_quality_check(tmp_path: Path) -> None:
    """First crawl: 25 articles, none blocked. Second: 15 of 25 new articles challenged."""
    settings = StoreSettings(str(tmp_path))
    window = {"since": "2024-07-01", "until": "2024-07-02"}
    with serving(challenges.build_jump) as (server, _site):
        config = site(server.base_url, "jumpy")
        first = tasks.crawl_site_window(config, **window, scrapy_settings=NO_PACING, settings=settings)
        assert first["quality"] == {"blocked_share": 0.0, "blocked_share_before": 0.0}
        with pytest.raises(QualityCheckError, match=r"'jumpy'.*jumpy: blocked_share = 0\.\d+ \(limit 0\.2\)") as exc:
            tasks.crawl_site_window(config, **window, scrapy_settings=NO_PACING, settings=settings)
    assert "15 of 27 pages blocked (challenge 15); median of 1 earlier crawls 0" in str(exc.value)
    stored = article_paths(warc_responses(tmp_path, "jumpy"), config)
    assert len(stored) == challenges.JUMP_ARTICLES * 2 - challenges.JUMP_BLOCKED  # what was good is kept


def report(blocked: int, received: int) -> CrawlReport:
    stats = {"response_received_count": received}
    if blocked:
        stats |= {"guard/blocked": blocked, "guard/blocked/challenge": blocked}
    return CrawlReport(site="site", articles_fetched=received, stats=stats)


@pytest.mark.parametrize(
    ("now", "history", "fails"),
    [
        (report(0, 100), [], False),
        (report(30, 70), [], True),  # a first crawl a third blocked
        (report(30, 70), [report(25, 75), report(35, 65), report(30, 70)], False),  # this site is always so
        (report(60, 40), [report(25, 75), report(35, 65), report(30, 70)], True),
        (report(10, 5), [], False),  # too few pages to tell
    ],
)
def test_check_crawl(now: CrawlReport, history: list[CrawlReport], fails: bool) -> None:
    result = check_crawl("site", now, history)
    assert result.ok is not fails
    assert set(result.metrics) == {"blocked_share", "blocked_share_before"}


def test_check_crawl_threshold_is_a_setting() -> None:
    assert check_crawl("site", report(15, 85), [], thresholds=Thresholds(max_blocked_share_rise=0.1)).failures
    assert check_crawl("site", report(15, 85), []).ok

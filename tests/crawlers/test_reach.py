"""What a crawl reached: a crawl whose every request failed is an error (exit status 3 of the crawl
process, ``CrawlUnreachableError`` for its callers), and requests the crawl refused itself (robots.txt,
offsite, SSRF) are not failures of the site."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from crawlers.report import CrawlReport, Reach, format_summary, request_failures
from crawlers.runner import CrawlJob, CrawlUnreachableError
from tests.support.crawling import LOOPBACK, crawl
from tests.support.http import free_port
from tests.support.site_configs import fixture_site

FAST = {**LOOPBACK, "RETRY_TIMES": 0}
PREFIX = "downloader/exception_type_count/"


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}/"


def test_refusals_by_the_crawl_itself_are_not_request_failures() -> None:
    stats = {
        f"{PREFIX}scrapy.exceptions.IgnoreRequest": 5,  # robots.txt, offsite, SSRF guard
        f"{PREFIX}scrapy.exceptions.CannotResolveHostError": 3,
        f"{PREFIX}twisted.internet.error.TimeoutError": 1,
        "downloader/request_count": 4,
    }
    assert request_failures(stats) == {"CannotResolveHostError": 3, "TimeoutError": 1}
    reach = Reach.from_stats(stats)
    assert reach.nothing and reach.describe() == "4 of 4 requests failed (CannotResolveHostError 3, TimeoutError 1)"


def test_some_answers_are_not_nothing_and_half_is_not_most() -> None:
    stats = {"downloader/request_count": 4, "downloader/response_count": 2, f"{PREFIX}x.DownloadTimeoutError": 2}
    reach = Reach.of(CrawlReport(site="s", stats=stats))
    assert not reach.nothing and not reach.mostly_failed
    report = CrawlReport(site="s", stats=stats)  # no summary: as a report written before summaries
    assert "(responses none, 2 failed)" in format_summary(report)


@pytest.mark.slow
def test_the_crawl_process_exits_3_when_it_reached_nothing(tmp_path: Path) -> None:
    job = CrawlJob(site=fixture_site("resume", closed_port_url()), store=str(tmp_path / "store"), settings=FAST)
    proc = subprocess.run(job.command(tmp_path / "report.json"), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = CrawlReport.parse((tmp_path / "report.json").read_bytes())
    assert report.finish_reason == "finished"
    assert report.summary.failed == report.summary.requests > 0
    assert set(report.summary.failed_by_error) == {"DownloadConnectionRefusedError"}


@pytest.mark.slow
def test_callers_get_the_reason_in_one_line_and_the_report(tmp_path: Path) -> None:
    with pytest.raises(CrawlUnreachableError) as info:
        crawl(fixture_site("resume", closed_port_url()), tmp_path / "store", RETRY_TIMES=0)
    reason = info.value.reason
    assert reason.startswith("crawl of resume reached nothing: ") and "\n" not in reason
    assert info.value.report is not None and info.value.report.warc_keys == []

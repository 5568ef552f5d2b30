"""The crawl's progress reaches the parent as it happens, not once a minute from LogStats."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawlers.extensions.progress import PROGRESS_PREFIX, CrawlProgress
from crawlers.runner import CrawlJob, run_crawl
from crawlers.sites import get_site
from tests.support.crawling import LOOPBACK


def test_a_line_per_change_at_most_once_per_interval_and_always_at_the_end() -> None:
    out = io.StringIO()
    progress = CrawlProgress(interval=3600, out=out)
    progress.response_received()  # the first change is written at once
    progress.item_scraped()  # within the interval: held back
    progress.spider_closed()  # the last counts always go out
    progress.spider_closed()  # unchanged: nothing more
    assert out.getvalue().splitlines() == [
        f"{PROGRESS_PREFIX} pages=1 articles=0",
        f"{PROGRESS_PREFIX} pages=1 articles=1",
    ]


def test_off_unless_enabled_and_a_negative_interval_is_refused() -> None:
    with pytest.raises(NotConfigured):
        CrawlProgress.from_crawler(get_crawler(settings_dict={"DEFCORPUS_PROGRESS_ENABLED": False}))
    with pytest.raises(NotConfigured, match="INTERVAL"):
        CrawlProgress(interval=-1)


def test_run_crawl_reports_progress_during_a_crawl_shorter_than_a_logstats_minute(
    minisite: Any, tmp_path: Path
) -> None:
    calls: list[tuple[int, int]] = []
    lines: list[str] = []
    site = get_site("minisite").with_base_url(minisite.base_url)
    job = CrawlJob(site=site, store=str(tmp_path / "store"), settings={**LOOPBACK, "DEFCORPUS_PROGRESS_INTERVAL": 0})
    report = run_crawl(job, on_progress=lambda pages, articles: calls.append((pages, articles)), on_log=lines.append)
    assert len(calls) > 3 and calls == sorted(calls)  # many updates, counts only grow
    assert calls[-1] == (report.pages_fetched, report.articles_fetched)
    assert any(articles == 0 for _, articles in calls) and calls[-1][1] > 0
    assert not any(line.startswith(PROGRESS_PREFIX) for line in lines)  # kept out of the log

"""Write the crawl's report (``crawlers.report.CrawlReport``) next to its WARC files when the crawl ends.

The report is the crawl's account of itself: the CLI prints it, Airflow logs it, and a later run
can read what an earlier one did without parsing logs.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus import layout
from crawlers.report import CrawlReport, summarize

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from corpus.store import Store

# Scrapy and the store are imported where they are used. The report's model and its readers are in
# ``crawlers.report``.

logger = logging.getLogger(__name__)


class CrawlReportWriter:
    """The Scrapy extension that writes the crawl's report when the spider closes."""

    def __init__(self, store: Store, stats: StatsCollector, report_file: str | None) -> None:
        self.store = store
        self.stats = stats
        self.report_file = report_file

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReportWriter:
        from scrapy import signals

        from crawlers.crawl_store import crawl_store

        assert crawler.stats is not None
        ext = cls(crawl_store(crawler), crawler.stats, crawler.settings.get("DEFCORPUS_REPORT_FILE"))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.stats.set_value("memory/peak_rss_bytes", peak_rss_bytes())
        report = build_report(spider.site_config.name, reason, self.stats.get_stats())  # type: ignore[attr-defined]
        data = report.to_json()
        if report.crawl_id:
            self.store.write(layout.crawl_stats_key(report.site, report.crawl_id), data)
        if self.report_file:
            Path(self.report_file).write_bytes(data)


def build_report(site: str, reason: str, stats: dict[str, Any]) -> CrawlReport:
    plain: dict[str, Any] = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in stats.items()}
    return CrawlReport(
        site=site,
        crawl_id=plain.get("defcorpus/crawl_id"),
        finish_reason=reason,
        pages_fetched=plain.get("response_received_count", 0),
        articles_fetched=plain.get("item_scraped_count", 0),
        warc_keys=plain.get("warc/keys", []),
        summary=summarize(plain),
        stats=plain,
    )


def peak_rss_bytes() -> int:
    """This process's own peak resident memory so far.

    On Linux it is ``VmHWM`` of ``/proc/self/status``: ``ru_maxrss`` survives ``execve``, so a crawl
    started by a large parent (an Airflow worker, a test run) would report the parent's peak as its own.
    Elsewhere ``ru_maxrss`` (KiB on Linux, bytes on macOS).
    """
    import resource
    import sys

    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)

"""Write the crawl's report (Scrapy stats plus the WARC files it wrote) next to its WARC files.

The report is the crawl's account of itself: the CLI prints it, Airflow logs it, and a later run
can read what an earlier one did without parsing logs.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

from corpus import layout
from corpus.store import Store, open_store

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class CrawlReport:
    def __init__(self, store: Store, stats: StatsCollector, report_file: str | None) -> None:
        self.store = store
        self.stats = stats
        self.report_file = report_file

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        settings = crawler.settings
        store = open_store(settings["DEFCORPUS_STORE"], s3_endpoint_url=settings["DEFCORPUS_S3_ENDPOINT_URL"])
        assert crawler.stats is not None
        ext = cls(store, crawler.stats, settings.get("DEFCORPUS_REPORT_FILE"))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        report = build_report(spider.site_config.name, reason, self.stats.get_stats())  # type: ignore[attr-defined]
        data = json.dumps(report, indent=2, sort_keys=True).encode()
        crawl_id = report.get("crawl_id")
        if crawl_id:
            self.store.write(layout.crawl_stats_key(report["site"], crawl_id), data)
        if self.report_file:
            Path(self.report_file).write_bytes(data)


def build_report(site: str, reason: str, stats: dict[str, Any]) -> dict[str, Any]:
    plain = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in stats.items()}
    return {
        "site": site,
        "crawl_id": plain.get("defcorpus/crawl_id"),
        "finish_reason": reason,
        "pages_fetched": plain.get("response_received_count", 0),
        "articles_fetched": plain.get("item_scraped_count", 0),
        "warc_keys": plain.get("warc/keys", []),
        "summary": summarize(plain),
        "stats": plain,
    }


def summarize(stats: dict[str, Any]) -> dict[str, Any]:
    """The numbers a person reads first: requests, responses by status, articles, blocked, bytes, time."""
    status_prefix = "downloader/response_status_count/"
    blocked_prefix = "guard/blocked/"
    return {
        "requests": stats.get("downloader/request_count", 0),
        "responses_by_status": {
            key[len(status_prefix) :]: value for key, value in sorted(stats.items()) if key.startswith(status_prefix)
        },
        "articles_new": stats.get("articles/new", 0),
        "articles_updated": stats.get("articles/updated", 0),
        "articles_unchanged": stats.get("articles/unchanged", 0),
        "conditional_requests": stats.get("incremental/conditional_requests", 0),
        "blocked": stats.get("guard/blocked", 0),
        "blocked_by_reason": {
            key[len(blocked_prefix) :]: value for key, value in sorted(stats.items()) if key.startswith(blocked_prefix)
        },
        "paywalled": stats.get("guard/paywall", 0),
        "retries": stats.get("retry/count", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
        "duration_seconds": round(float(stats.get("elapsed_time_seconds") or 0.0), 3),
    }


def format_summary(report: dict[str, Any]) -> str:
    """One line for the CLI and task logs."""
    s = report.get("summary") or summarize(report.get("stats", {}))
    statuses = ", ".join(f"{k}: {v}" for k, v in s["responses_by_status"].items()) or "none"
    return (
        f"{report['site']}: {s['requests']} requests (responses {statuses}); articles {s['articles_new']} new, "
        f"{s['articles_updated']} updated, {s['articles_unchanged']} unchanged; {s['blocked']} blocked, "
        f"{s['paywalled']} paywalled; {s['bytes']} bytes in {s['duration_seconds']:.1f} s"
    )

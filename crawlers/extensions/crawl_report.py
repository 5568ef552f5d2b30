"""Write the crawl's report (Scrapy stats plus the WARC files it wrote) next to its WARC files.

The report is the crawl's account of itself: the CLI prints it, Airflow logs it, and a later run
can read what an earlier one did without parsing logs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus import layout

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from corpus.store import Store

# Scrapy and the store are imported where they are used: the parent of a crawl (the CLI, an Airflow
# task) reads reports with ``Reach`` and ``format_summary`` without importing either.

logger = logging.getLogger(__name__)


class CrawlReport:
    def __init__(self, store: Store, stats: StatsCollector, report_file: str | None) -> None:
        self.store = store
        self.stats = stats
        self.report_file = report_file

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        from scrapy import signals

        from crawlers.crawl_store import crawl_store

        assert crawler.stats is not None
        ext = cls(crawl_store(crawler), crawler.stats, crawler.settings.get("DEFCORPUS_REPORT_FILE"))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.stats.set_value("memory/peak_rss_bytes", peak_rss_bytes())
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


def _by_reason(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {key[len(prefix) :]: value for key, value in sorted(stats.items()) if key.startswith(prefix)}


def summarize(stats: dict[str, Any]) -> dict[str, Any]:
    """The numbers a person reads first: requests, responses by status, articles, blocked, refused,
    discovery capped, robots.txt unreachable, bytes, time, memory."""
    status_prefix = "downloader/response_status_count/"
    failures = request_failures(stats)
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
        "blocked_by_reason": _by_reason(stats, "guard/blocked/"),
        "blocked_share": blocked_share(stats),
        "refused": stats.get("download/refused", 0),  # responses refused by the crawl (header floods)
        "refused_by_reason": _by_reason(stats, "download/refused/"),
        "discovery_capped": _by_reason(stats, "discovery/capped/"),
        "robots_unreachable": list(stats.get("robotstxt/unreachable_hosts", [])),
        "failed": sum(failures.values()),
        "failed_by_error": failures,
        "paywalled": stats.get("guard/paywall", 0),
        "retries": stats.get("retry/count", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
        "duration_seconds": round(float(stats.get("elapsed_time_seconds") or 0.0), 3),
        "peak_rss_bytes": stats.get("memory/peak_rss_bytes", 0),
    }


def blocked_share(stats: dict[str, Any]) -> float:
    """Of the responses the crawl judged (those it kept and those its guard blocked), the blocked share."""
    blocked = int(stats.get("guard/blocked", 0))
    judged = blocked + int(stats.get("response_received_count", 0))
    return round(blocked / judged, 4) if judged else 0.0


_EXCEPTION_PREFIX = "downloader/exception_type_count/"


def request_failures(stats: dict[str, Any]) -> dict[str, int]:
    """Download attempts that got no response (DNS, refused, TLS, timeout), by error class name.

    Why not ``downloader/exception_count``: it also counts the requests the crawl itself refused
    (robots.txt, offsite, SSRF guard: ``IgnoreRequest``), which never left the machine.
    """
    failures: dict[str, int] = {}
    for key, count in sorted(stats.items()):
        if key.startswith(_EXCEPTION_PREFIX) and not _is_refusal(key[len(_EXCEPTION_PREFIX) :]):
            name = key.rpartition(".")[2]
            failures[name] = failures.get(name, 0) + int(count)
    return failures


def _is_refusal(class_path: str) -> bool:
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils.misc import load_object

    try:
        error = load_object(class_path)
    except (ImportError, NameError, ValueError, AttributeError):
        return False
    return isinstance(error, type) and issubclass(error, IgnoreRequest)


@dataclass(frozen=True)
class Reach:
    """How much of the site a crawl reached: what the CLI and the crawl task judge a crawl by."""

    requests: int
    responses: int
    failed: int
    failed_by_error: dict[str, int]

    @classmethod
    def of(cls, report: dict[str, Any]) -> Reach:
        stats = report.get("stats", {})
        summary = report.get("summary") or summarize(stats)
        failures = summary.get("failed_by_error")
        if failures is None:  # a report written before failures were counted
            failures = request_failures(stats)
        return cls(
            requests=int(summary.get("requests", 0)),
            responses=int(stats.get("downloader/response_count", sum(summary["responses_by_status"].values()))),
            failed=sum(failures.values()),
            failed_by_error=dict(failures),
        )

    @property
    def nothing(self) -> bool:
        """Requests were sent and not one got an answer: the site, or the network, is unreachable."""
        return self.responses == 0 and self.failed > 0

    @property
    def mostly_failed(self) -> bool:
        return self.failed * 2 > self.requests

    def describe(self) -> str:
        """'16 of 16 requests failed (CannotResolveHostError 16)'"""
        errors = ", ".join(f"{name} {count}" for name, count in sorted(self.failed_by_error.items(), key=_by_count))
        return f"{self.failed} of {self.requests} requests failed ({errors})"


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def format_summary(report: dict[str, Any]) -> str:
    """One line for the CLI and task logs."""
    s = report.get("summary") or summarize(report.get("stats", {}))
    statuses = ", ".join(f"{k}: {v}" for k, v in s["responses_by_status"].items()) or "none"
    failed = f", {s['failed']} failed" if s.get("failed") else ""
    return (
        f"{report['site']}: {s['requests']} requests (responses {statuses}{failed}); "
        f"articles {s['articles_new']} new, "
        f"{s['articles_updated']} updated, {s['articles_unchanged']} unchanged; {s['blocked']} blocked, "
        f"{s['paywalled']} paywalled; {s['bytes']} bytes in {s['duration_seconds']:.1f} s{_troubles(s)}"
    )


def _troubles(summary: dict[str, Any]) -> str:
    """What the crawl refused or left out, if anything (reports written before these were counted have none)."""
    parts = []
    if summary.get("robots_unreachable"):
        parts.append(f"robots.txt unreachable, all disallowed: {', '.join(summary['robots_unreachable'])}")
    if summary.get("refused"):
        parts.append(f"{summary['refused']} responses refused ({_counts(summary['refused_by_reason'])})")
    if summary.get("discovery_capped"):
        parts.append(f"discovery capped ({_counts(summary['discovery_capped'])})")
    return "".join(f"; {part}" for part in parts)


def _counts(by_reason: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in by_reason.items())

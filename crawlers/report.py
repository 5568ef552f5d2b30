"""The crawl report: what a crawl says of itself, as a model (the ``.stats.json`` beside its WARC files).

Written by the crawl (``crawlers.extensions.crawl_report``), read by its parent (``crawlers.runner``),
the CLI, the Airflow crawl task and the crawl quality check. The JSON on disk is what the model
dumps, keys sorted: fields a report did not have (an older report's ``summary`` or
``failed_by_error``) are not written back, and fields this code does not know are kept.

Light on purpose: no Scrapy and no store at import (``_is_refusal`` imports Scrapy when called).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CrawlSummary(BaseModel):
    """The numbers a person reads first; each from Scrapy's stats (``summarize``)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    requests: int = 0
    responses_by_status: dict[str, int] = Field(default_factory=dict)
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    conditional_requests: int = 0
    blocked: int = 0
    blocked_by_reason: dict[str, int] = Field(default_factory=dict)
    blocked_share: float = 0.0
    refused: int = 0  # responses refused by the crawl (header floods)
    refused_by_reason: dict[str, int] = Field(default_factory=dict)
    discovery_capped: dict[str, int] = Field(default_factory=dict)
    robots_unreachable: list[str] = Field(default_factory=list)
    failed: int = 0
    failed_by_error: dict[str, int] | None = None  # None: a report written before failures were counted
    paywalled: int = 0
    retries: int = 0
    bytes: int = 0
    duration_seconds: float = 0.0
    peak_rss_bytes: int = 0


class CrawlReport(BaseModel):
    """One crawl of one site: how it ended, what it wrote, its summary and Scrapy's own stats."""

    model_config = ConfigDict(extra="allow", frozen=True)

    site: str
    crawl_id: str | None = None
    finish_reason: str | None = None
    pages_fetched: int = 0
    articles_fetched: int = 0
    warc_keys: list[str] = Field(default_factory=list)
    summary: CrawlSummary | None = None  # None in reports written before summaries
    stats: dict[str, Any] = Field(default_factory=dict, description="Scrapy's stats, slash keys")

    @classmethod
    def parse(cls, raw: bytes | str) -> CrawlReport:
        """A stored report; ``pydantic.ValidationError`` (a ``ValueError``) if it is not one."""
        return cls.model_validate_json(raw)

    def to_json(self) -> bytes:
        """The bytes stored: keys sorted, indented as ever."""
        return json.dumps(self.model_dump(mode="json", exclude_unset=True), indent=2, sort_keys=True).encode()

    @property
    def summarized(self) -> CrawlSummary:
        """The summary, computed from the stats for a report written without one."""
        return self.summary or summarize(self.stats)


def _by_reason(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {key[len(prefix) :]: value for key, value in sorted(stats.items()) if key.startswith(prefix)}


def summarize(stats: dict[str, Any]) -> CrawlSummary:
    """The numbers a person reads first: requests, responses by status, articles, blocked, refused,
    discovery capped, robots.txt unreachable, bytes, time, memory."""
    status_prefix = "downloader/response_status_count/"
    failures = request_failures(stats)
    return CrawlSummary(
        requests=stats.get("downloader/request_count", 0),
        responses_by_status={
            key[len(status_prefix) :]: value for key, value in sorted(stats.items()) if key.startswith(status_prefix)
        },
        articles_new=stats.get("articles/new", 0),
        articles_updated=stats.get("articles/updated", 0),
        articles_unchanged=stats.get("articles/unchanged", 0),
        conditional_requests=stats.get("incremental/conditional_requests", 0),
        blocked=stats.get("guard/blocked", 0),
        blocked_by_reason=_by_reason(stats, "guard/blocked/"),
        blocked_share=blocked_share(stats),
        refused=stats.get("download/refused", 0),  # responses refused by the crawl (header floods)
        refused_by_reason=_by_reason(stats, "download/refused/"),
        discovery_capped=_by_reason(stats, "discovery/capped/"),
        robots_unreachable=list(stats.get("robotstxt/unreachable_hosts", [])),
        failed=sum(failures.values()),
        failed_by_error=failures,
        paywalled=stats.get("guard/paywall", 0),
        retries=stats.get("retry/count", 0),
        bytes=stats.get("downloader/response_bytes", 0),
        duration_seconds=round(float(stats.get("elapsed_time_seconds") or 0.0), 3),
        peak_rss_bytes=stats.get("memory/peak_rss_bytes", 0),
    )


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
    def of(cls, report: CrawlReport) -> Reach:
        return cls.from_stats(report.stats, report.summary)

    @classmethod
    def from_stats(cls, stats: dict[str, Any], summary: CrawlSummary | None = None) -> Reach:
        """From Scrapy's stats (the crawl process judges itself before its report exists)."""
        summary = summary or summarize(stats)
        failures = summary.failed_by_error
        if failures is None:  # a report written before failures were counted
            failures = request_failures(stats)
        return cls(
            requests=summary.requests,
            responses=int(stats.get("downloader/response_count", sum(summary.responses_by_status.values()))),
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


def format_summary(report: CrawlReport) -> str:
    """One line for the CLI and task logs."""
    s = report.summarized
    statuses = ", ".join(f"{k}: {v}" for k, v in s.responses_by_status.items()) or "none"
    failed = f", {s.failed} failed" if s.failed else ""
    return (
        f"{report.site}: {s.requests} requests (responses {statuses}{failed}); "
        f"articles {s.articles_new} new, "
        f"{s.articles_updated} updated, {s.articles_unchanged} unchanged; {s.blocked} blocked, "
        f"{s.paywalled} paywalled; {s.bytes} bytes in {s.duration_seconds:.1f} s{_troubles(s)}"
    )


def _troubles(summary: CrawlSummary) -> str:
    """What the crawl refused or left out, if anything (reports written before these were counted have none)."""
    parts = []
    if summary.robots_unreachable:
        parts.append(f"robots.txt unreachable, all disallowed: {', '.join(summary.robots_unreachable)}")
    if summary.refused:
        parts.append(f"{summary.refused} responses refused ({_counts(summary.refused_by_reason)})")
    if summary.discovery_capped:
        parts.append(f"discovery capped ({_counts(summary.discovery_capped)})")
    return "".join(f"; {part}" for part in parts)


def _counts(by_reason: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in by_reason.items())

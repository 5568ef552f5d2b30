"""The run side of the report: what each crawl did (its report in raw/) and what each clean batch removed
and measured (its summary, ``defcorpus.batch_summary``), over time per site.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from corpus import layout
from corpus.errors import KeyNotFoundError
from corpus.manifest import Manifest
from corpus.store import Store
from defcorpus.batch_summary import read_summary

CRAWLS_PER_SITE = 30  # the latest crawls of each site in the window
BATCHES_PER_SITE = 60  # the latest clean batches of each site in the window
REMOVED_TEXTS_SHOWN = 8  # per site, over its batches
# The quality metrics drawn over time: the ones ``defcorpus.quality`` fails a cleaning run on, and
# the batch's median body length (what its body-length drift check compares).
SHARE_METRICS = ("empty_body_share", "missing_author_share", "missing_date_share")
COUNT_METRICS = ("chrome_article_count", "future_date_count")
LENGTH_METRIC = "median_words"


@dataclass(frozen=True)
class CrawlRun:
    site: str
    crawl_id: str
    started: str  # ISO time, from the crawl id
    finish_reason: str
    requests: int
    pages_fetched: int
    articles_fetched: int
    not_modified: int  # 304 answers to conditional requests
    blocked: int
    blocked_by_reason: dict[str, int]
    blocked_share: float
    paywalled: int
    failed: int
    failed_by_error: dict[str, int]
    http_errors: dict[str, int]  # responses by status, 400 and above
    requests_per_article: float | None


@dataclass(frozen=True)
class DriftPoint:
    site: str
    batch_id: str
    cleaned: str  # ISO time its manifest was written
    metric: str
    value: float


@dataclass(frozen=True)
class QualityStep:
    """A batch whose metrics failed a quality check: where a template change shows."""

    site: str
    batch_id: str
    cleaned: str
    metrics: dict[str, float]  # the failed metrics and their values
    before: dict[str, float]  # the same metrics in the site's previous batch


@dataclass(frozen=True)
class RemovedText:
    site: str
    reason: str
    text: str
    count: int


@dataclass
class RunSide:
    crawls: list[CrawlRun] = field(default_factory=list)
    removals: dict[str, dict[str, int]] = field(default_factory=dict)  # site -> reason -> paragraphs
    removed_texts: list[RemovedText] = field(default_factory=list)
    drift: list[DriftPoint] = field(default_factory=list)
    steps: list[QualityStep] = field(default_factory=list)
    batches: dict[str, int] = field(default_factory=dict)  # site -> clean batches in the window
    without_summary: dict[str, int] = field(default_factory=dict)  # site -> of those, without a summary


def run_id_time(run_id: str) -> datetime | None:
    """The UTC time a crawl or batch id starts with (``layout.new_run_id``)."""
    try:
        return datetime.strptime(run_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _in_window(run_id: str, start: datetime | None, end: datetime | None) -> bool:
    when = run_id_time(run_id)
    return when is not None and (start is None or when >= start) and (end is None or when < end)


def crawl_report_keys(store: Store) -> dict[str, list[str]]:
    """site -> its crawl reports' keys, oldest first: one listing of raw/ for every site."""
    keys: dict[str, list[str]] = defaultdict(list)
    for key in store.list(layout.RAW_PREFIX):
        if key.endswith(layout.CRAWL_STATS_SUFFIX):
            keys[layout.site_of_raw(key)].append(key)
    return {site: sorted(found) for site, found in keys.items()}


def crawl_runs(
    store: Store, reports: dict[str, list[str]], sites: list[str], start: datetime | None, end: datetime | None
) -> list[CrawlRun]:
    runs = []
    for site in sites:
        keys = [k for k in reports.get(site, []) if _in_window(k.rsplit("/", 1)[-1], start, end)][-CRAWLS_PER_SITE:]
        for key in keys:
            try:
                report = json.loads(store.read(key))
            except (KeyNotFoundError, ValueError, UnicodeDecodeError):  # pruned meanwhile, or not a report
                continue
            if isinstance(report, dict) and report.get("crawl_id"):
                runs.append(_crawl_run(site, report))
    return runs


def _crawl_run(site: str, report: dict[str, Any]) -> CrawlRun:
    s = report.get("summary") or {}
    by_status = {str(k): int(v) for k, v in (s.get("responses_by_status") or {}).items()}
    articles = int(report.get("articles_fetched", 0))
    requests = int(s.get("requests", 0))
    when = run_id_time(report["crawl_id"])
    return CrawlRun(
        site=site,
        crawl_id=report["crawl_id"],
        started=when.isoformat() if when else "",
        finish_reason=str(report.get("finish_reason", "")),
        requests=requests,
        pages_fetched=int(report.get("pages_fetched", 0)),
        articles_fetched=articles,
        not_modified=by_status.get("304", 0),
        blocked=int(s.get("blocked", 0)),
        blocked_by_reason=dict(s.get("blocked_by_reason") or {}),
        blocked_share=float(s.get("blocked_share", 0.0)),
        paywalled=int(s.get("paywalled", 0)),
        failed=int(s.get("failed", 0)),
        failed_by_error=dict(s.get("failed_by_error") or {}),
        http_errors={k: v for k, v in sorted(by_status.items()) if k.isdigit() and int(k) >= 400},
        requests_per_article=round(requests / articles, 2) if articles else None,
    )


def batch_side(
    store: Store, manifests: list[Manifest], sites: list[str], start: datetime | None, end: datetime | None
) -> RunSide:
    """Removals and quality metrics of each site's clean batches in the window, from their summaries."""
    side = RunSide()
    for site in sites:
        # In the order they were published: ids made within one second do not sort by time.
        batches = sorted(
            (m for m in manifests if m.site == site and m.kind == "clean" and _in_window(m.batch_id, start, end)),
            key=lambda m: (m.created_at, m.batch_id),
        )[-BATCHES_PER_SITE:]
        found = [(m, read_summary(store, m.batch_id)) for m in batches]
        summaries = [{**s, "published_at": m.created_at} for m, s in found if s is not None]
        side.batches[site], side.without_summary[site] = len(batches), len(batches) - len(summaries)
        _add_removals(side, site, summaries)
        _add_drift(side, site, summaries)
    return side


def _add_removals(side: RunSide, site: str, summaries: list[dict[str, Any]]) -> None:
    reasons: Counter[str] = Counter()
    texts: Counter[tuple[str, str]] = Counter()
    for summary in summaries:
        for reason, removed in summary.get("removals", {}).items():
            reasons[reason] += int(removed.get("count", 0))
            for top in removed.get("top", []):
                texts[reason, top["text"]] += int(top["count"])
    side.removals[site] = dict(sorted(reasons.items()))
    ranked = sorted(texts.items(), key=lambda item: (-item[1], item[0]))[:REMOVED_TEXTS_SHOWN]
    side.removed_texts += [RemovedText(site, reason, text, count) for (reason, text), count in ranked]


def _add_drift(side: RunSide, site: str, summaries: list[dict[str, Any]]) -> None:
    previous: dict[str, float] | None = None
    for summary in summaries:
        cleaned = str(summary["published_at"])
        metrics = {k: float(v) for k, v in summary.get("quality", {}).items() if isinstance(v, int | float)}
        metrics["articles"] = float(summary.get("articles", 0))
        for metric in (*SHARE_METRICS, *COUNT_METRICS, LENGTH_METRIC, "articles"):
            if metric in metrics:
                side.drift.append(DriftPoint(site, summary["batch_id"], cleaned, metric, metrics[metric]))
        failed = [m for m in summary.get("quality_failures", []) if m in metrics]
        if failed:
            side.steps.append(
                QualityStep(
                    site,
                    summary["batch_id"],
                    cleaned,
                    {m: metrics[m] for m in failed},
                    {m: previous[m] for m in failed if m in previous} if previous else {},
                )
            )
        previous = metrics


def by_site(runs: list[CrawlRun]) -> dict[str, list[CrawlRun]]:
    grouped: dict[str, list[CrawlRun]] = defaultdict(list)
    for run in runs:
        grouped[run.site].append(run)
    return dict(grouped)

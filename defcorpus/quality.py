"""Quality checks over a site's freshly published articles: notice a template change the day it happens.

A publisher that redesigns its pages rarely breaks the crawl; it quietly changes what the cleaner
keeps. These checks look at what was just published (one cleaning batch of one site) and, for the
body-length drift, at the site's earlier batches. They are pure functions over article records (the
dicts ``corpus.open(store).articles().to_pylist()`` returns, or ``Article.model_dump()``), so they run
the same in Airflow, in the CLI or in a notebook. Each failure names the site and the metric.

One check looks at a crawl instead (``check_crawl``): the share of its pages the crawler's guard
blocked (bot checks, soft 404s, empty pages), against the site's earlier crawls. A bot-management
product switched on, or a rate limit hit, shows there the day it happens, long before the corpus
thins out.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from corpus.dates import as_utc
from crawlers.report import CrawlReport, blocked_share

# Text that belongs to a page's chrome, never to an article. Learned boilerplate removal takes out
# paragraphs that repeat verbatim; these catch chrome that varies per page (share widgets quoting the
# headline, counters) or is glued to article text, which the learner cannot see.
CHROME_PATTERNS: tuple[str, ...] = (
    r"\bshare (?:this|on) (?:article|story|post|facebook|twitter|x|linkedin)\b",
    r"\b(?:subscribe|sign up) (?:to|for) (?:our|the) (?:newsletter|daily brief)\b",
    r"\bfollow us on (?:facebook|twitter|x|linkedin|instagram)\b",
    r"\ball rights reserved\b",
    r"\bleave a (?:comment|reply)\b",
    r"\byou must be logged in to\b",
    r"\bskip to (?:main )?content\b",
    r"\brelated (?:posts|articles|stories)\s*:",
    r"\bcookie (?:policy|settings|preferences)\b",
)


@dataclass(frozen=True)
class Thresholds:
    """Limits per check; shares are fractions of the batch's articles."""

    min_body_words: int = 50  # a body shorter than this counts as empty
    max_empty_body_share: float = 0.10
    max_missing_author_share: float = 0.25
    max_missing_date_share: float = 0.05
    min_articles_for_shares: int = 3  # smaller batches are too noisy for share checks
    future_slack: timedelta = timedelta(hours=1)
    max_chrome_articles: int = 0
    drift_ratio: float = 2.0  # median body length may move by this factor against history
    min_articles_for_drift: int = 5
    min_history_for_drift: int = 10
    # A crawl's blocked share (of the pages it judged) may exceed the median of the site's earlier
    # crawls (0 without history) by this much; crawls judging fewer pages are too noisy to tell.
    max_blocked_share_rise: float = 0.2
    min_pages_for_blocked_share: int = 20


@dataclass(frozen=True)
class Failure:
    site: str
    metric: str
    value: float
    limit: float
    detail: str = ""

    def __str__(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.site}: {self.metric} = {self.value:g} (limit {self.limit:g}){extra}"


@dataclass
class QualityReport:
    site: str
    articles: int
    metrics: dict[str, float] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.ok:
            shown = ", ".join(f"{k}={v:g}" for k, v in sorted(self.metrics.items()))
            return f"{self.site}: {self.articles} articles pass ({shown or 'nothing to check'})"
        return "; ".join(str(f) for f in self.failures)


class QualityCheckError(RuntimeError):
    """Published articles of a site fail a quality check; the message names site and metric."""

    def __init__(self, report: QualityReport) -> None:
        super().__init__(f"quality checks failed for site {report.site!r}: {report.summary()}")
        self.report = report


def check_articles(
    site: str,
    articles: Sequence[Mapping[str, Any]],
    history: Sequence[Mapping[str, Any]] = (),
    *,
    thresholds: Thresholds | None = None,
    chrome_patterns: Iterable[str] = CHROME_PATTERNS,
) -> QualityReport:
    """Run every check on ``articles`` (one batch of ``site``); ``history`` is its earlier articles.

    No clock: the same batch gets the same verdict whenever it is checked, by a retry or a backfill.
    """
    limits = thresholds or Thresholds()
    report = QualityReport(site=site, articles=len(articles))
    if not articles:
        return report
    failures = [
        *_shares(site, articles, limits, report.metrics),
        *_future_dates(site, articles, limits, report.metrics),
        *_chrome(site, articles, chrome_patterns, limits, report.metrics),
        *_drift(site, articles, history, limits, report.metrics),
    ]
    report.failures.extend(failures)
    return report


def check_crawl(
    site: str,
    report: CrawlReport,
    history: Sequence[CrawlReport] = (),
    *,
    thresholds: Thresholds | None = None,
) -> QualityReport:
    """Check one crawl report (``crawlers.report``) of ``site`` against its earlier ones."""
    limits = thresholds or Thresholds()
    stats = report.stats
    result = QualityReport(site=site, articles=report.articles_fetched)
    blocked = int(stats.get("guard/blocked", 0))
    judged = blocked + int(stats.get("response_received_count", 0))
    share = blocked_share(stats)
    before = [blocked_share(earlier.stats) for earlier in history]
    baseline = round(statistics.median(before), 4) if before else 0.0
    result.metrics.update(blocked_share=share, blocked_share_before=baseline)
    limit = round(baseline + limits.max_blocked_share_rise, 4)
    if judged >= limits.min_pages_for_blocked_share and share > limit:
        reasons = ", ".join(
            f"{key.rpartition('/')[2]} {count}"
            for key, count in sorted(stats.items())
            if key.startswith("guard/blocked/")
        )
        detail = f"{blocked} of {judged} pages blocked ({reasons}); median of {len(before)} earlier crawls {baseline:g}"
        result.failures.append(Failure(site, "blocked_share", share, limit, detail))
    return result


def _share_failure(
    site: str,
    metric: str,
    count: int,
    total: int,
    limit: float,
    metrics: dict[str, float],
    min_total: int,
    examples: list[str],
) -> list[Failure]:
    share = round(count / total, 3)
    metrics[metric] = share
    if total < min_total or share <= limit:
        return []
    return [Failure(site, metric, share, limit, f"{count} of {total}; e.g. {', '.join(examples[:3])}")]


def _shares(
    site: str, articles: Sequence[Mapping[str, Any]], limits: Thresholds, metrics: dict[str, float]
) -> list[Failure]:
    total, minimum = len(articles), limits.min_articles_for_shares
    empty = [a["url"] for a in articles if _words(a) < limits.min_body_words]
    no_author = [a["url"] for a in articles if not a.get("authors")]
    no_date = [a["url"] for a in articles if a.get("date_published") is None]
    return [
        *_share_failure(
            site, "empty_body_share", len(empty), total, limits.max_empty_body_share, metrics, minimum, empty
        ),
        *_share_failure(
            site,
            "missing_author_share",
            len(no_author),
            total,
            limits.max_missing_author_share,
            metrics,
            minimum,
            no_author,
        ),
        *_share_failure(
            site, "missing_date_share", len(no_date), total, limits.max_missing_date_share, metrics, minimum, no_date
        ),
    ]


def _future_dates(
    site: str, articles: Sequence[Mapping[str, Any]], limits: Thresholds, metrics: dict[str, float]
) -> list[Failure]:
    """Dates later than the article's own fetch (by more than the slack): no page can state them.

    Why the fetch, not the run's data interval or ``now()``: a backfilled interval ends years before
    its crawl, so every article edited since would look "future"; the clock gives a retry another verdict.
    """
    future = [
        a["url"]
        for a in articles
        if any(
            as_utc(a[name]) > as_utc(a["fetched_at"]) + limits.future_slack
            for name in ("date_published", "date_modified")
            if a.get(name)
        )
    ]
    metrics["future_date_count"] = len(future)
    if not future:
        return []
    return [Failure(site, "future_date_count", len(future), 0, f"e.g. {', '.join(future[:3])}")]


def _chrome(
    site: str,
    articles: Sequence[Mapping[str, Any]],
    patterns: Iterable[str],
    limits: Thresholds,
    metrics: dict[str, float],
) -> list[Failure]:
    compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
    hits: dict[str, list[str]] = {}
    for article in articles:
        for pattern in compiled:
            if match := pattern.search(article.get("body") or ""):
                hits.setdefault(article["url"], []).append(match.group(0))
    metrics["chrome_article_count"] = len(hits)
    if len(hits) <= limits.max_chrome_articles:
        return []
    strings = sorted({s.lower() for found in hits.values() for s in found})
    examples = ", ".join(list(hits)[:3])
    return [
        Failure(
            site, "chrome_article_count", len(hits), limits.max_chrome_articles, f"strings {strings}; e.g. {examples}"
        )
    ]


def _drift(
    site: str,
    articles: Sequence[Mapping[str, Any]],
    history: Sequence[Mapping[str, Any]],
    limits: Thresholds,
    metrics: dict[str, float],
) -> list[Failure]:
    if len(articles) < limits.min_articles_for_drift or len(history) < limits.min_history_for_drift:
        return []
    now_median = statistics.median(_words(a) for a in articles)
    then_median = statistics.median(_words(a) for a in history)
    if then_median <= 0:
        return []
    ratio = round(now_median / then_median, 3)
    metrics["body_length_ratio"] = ratio
    if 1 / limits.drift_ratio <= ratio <= limits.drift_ratio:
        return []
    return [
        Failure(
            site,
            "body_length_ratio",
            ratio,
            limits.drift_ratio if ratio > 1 else 1 / limits.drift_ratio,
            f"median {now_median:g} words now vs {then_median:g} in {len(history)} earlier articles",
        )
    ]


def _words(article: Mapping[str, Any]) -> int:
    count = article.get("word_count")
    return int(count) if count is not None else len((article.get("body") or "").split())

"""The short text at the top of the report: what is good and what needs a look, each with its section.

Limits come from the quality checks (``defcorpus.quality.Thresholds``), so the report calls out what
the checks would fail, in the same terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from defcorpus.quality import Thresholds

if TYPE_CHECKING:
    from defcorpus.report.articles import ArticleSide
    from defcorpus.report.runs import RunSide


@dataclass(frozen=True)
class Finding:
    level: str  # "good" or "look"
    section: str  # the anchor of the report section that shows it
    text: str


def findings(articles: ArticleSide, runs: RunSide, limits: Thresholds | None = None) -> list[Finding]:
    limits = limits or Thresholds()
    found = [*_coverage(articles), *_crawls(runs, limits), *_quality(runs), *_metadata(articles, limits)]
    found += _bookkeeping(articles, runs)
    return sorted(found, key=lambda f: f.level != "look")  # what needs a look first, in section order


def _coverage(articles: ArticleSide) -> list[Finding]:
    if not articles.spans:
        return [Finding("look", "coverage", "No published articles in this window.")]
    out = []
    total = sum(s.articles for s in articles.spans)
    out.append(Finding("good", "coverage", f"{total} articles from {_plural(len(articles.spans), 'site')}."))
    for span in articles.spans:
        for month in span.gap_months:
            count = next(c for c in articles.coverage if c.site == span.site and c.month == month)
            out.append(
                Finding(
                    "look",
                    "coverage",
                    f"Gap: {span.site} has {count.articles} articles in {month}, against {count.usual:g} in its "
                    "usual month.",
                )
            )
    if not any(span.gap_months for span in articles.spans):
        out.append(Finding("good", "coverage", "No gap months: every site publishes steadily in the window."))
    return out


def _crawls(runs: RunSide, limits: Thresholds) -> list[Finding]:
    out = []
    for run in runs.crawls:
        if run.blocked:
            reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(run.blocked_by_reason.items()))
            level = "look" if run.blocked_share > limits.max_blocked_share_rise else "good"
            out.append(
                Finding(
                    level,
                    "crawls",
                    f"Blocked: crawl {run.crawl_id} of {run.site} had {run.blocked} blocked pages ({reasons}), "
                    f"{run.blocked_share:.0%} of the pages it judged.",
                )
            )
        if run.failed:
            errors = ", ".join(f"{name} {n}" for name, n in sorted(run.failed_by_error.items()))
            out.append(
                Finding(
                    "look", "crawls", f"Crawl {run.crawl_id} of {run.site}: {run.failed} requests failed ({errors})."
                )
            )
    if runs.crawls and not out:
        out.append(Finding("good", "crawls", f"{_plural(len(runs.crawls), 'crawl')}, none blocked or failing."))
    return out


def _quality(runs: RunSide) -> list[Finding]:
    out = []
    for step in runs.steps:
        moved = ", ".join(
            f"{metric} {step.before[metric]:g} → {value:g}" if metric in step.before else f"{metric} {value:g}"
            for metric, value in sorted(step.metrics.items())
        )
        out.append(
            Finding("look", "drift", f"Drift: {step.site} batch {step.batch_id} fails its quality checks ({moved}).")
        )
    checked = sum(runs.batches.values()) - sum(runs.without_summary.values())
    if checked and not runs.steps:
        out.append(
            Finding("good", "drift", f"{_plural(checked, 'clean batch')}, every one within the quality checks' limits.")
        )
    return out


def _metadata(articles: ArticleSide, limits: Thresholds) -> list[Finding]:
    out = []
    for row in articles.completeness:
        if row.articles < limits.min_articles_for_shares:
            continue
        if 1 - row.authors > limits.max_missing_author_share:
            out.append(Finding("look", "metadata", f"{row.site}: {1 - row.authors:.0%} of articles have no author."))
        if 1 - row.date > limits.max_missing_date_share:
            out.append(Finding("look", "metadata", f"{row.site}: {1 - row.date:.0%} of articles have no date."))
    return out


def _bookkeeping(articles: ArticleSide, runs: RunSide) -> list[Finding]:
    out = []
    for site, missing in sorted(runs.without_summary.items()):
        if missing:
            out.append(
                Finding(
                    "look",
                    "removals",
                    f"{site}: {missing} of {runs.batches[site]} clean batches have no summary (cleaned before "
                    "summaries were kept): their removals and metrics are not shown.",
                )
            )
    if articles.skipped:
        out.append(
            Finding(
                "look",
                "coverage",
                f"{len(articles.skipped)} published files could not be read and are left out "
                "(`defcorpus clean` of their site sets them aside).",
            )
        )
    if articles.duplicate_groups:
        out.append(
            Finding(
                "good", "duplicates", f"{articles.duplicate_groups} near-duplicate groups span sites (syndication)."
            )
        )
    return out


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}{'es' if noun.endswith('ch') else 's'}"

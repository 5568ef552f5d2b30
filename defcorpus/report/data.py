"""Everything the corpus report shows, as plain records from the store alone: ``collect_report``.

Kept apart from the HTML (``defcorpus.report.render``) so the numbers are tested on their own and
can be read in a notebook (``dataclasses.asdict``). Reads the manifests, the small columns of the
published files (no body), the crawl reports under ``raw/`` and the clean batches' summaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from corpus.dates import parse_bound
from corpus.store import Store
from corpus.table import read_manifests
from defcorpus.report.articles import ArticleSide, article_side
from defcorpus.report.findings import Finding, findings
from defcorpus.report.runs import RunSide, batch_side, crawl_report_keys, crawl_runs


class ReportInputError(ValueError):
    """A site asked for that the store has nothing of: the message names the sites it has."""


@dataclass
class ReportData:
    store: str
    generated_at: str
    sites: list[str]
    since: str | None
    until: str | None
    articles: ArticleSide
    runs: RunSide
    findings: list[Finding] = field(default_factory=list)

    @property
    def total_articles(self) -> int:
        return sum(span.articles for span in self.articles.spans)


def collect_report(
    store: Store,
    sites: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    *,
    now: datetime | None = None,
) -> ReportData:
    """The report of ``sites`` (default: every site in the store) over [since, until).

    The window filters articles by publication date, and crawls and clean batches by the time they
    ran. ``now`` only stamps the report.
    """
    start = parse_bound(since) if since else None
    end = parse_bound(until) if until else None
    manifests = read_manifests(store)
    reports = crawl_report_keys(store)
    known = sorted({m.site for m in manifests} | set(reports))
    unknown = sorted(set(sites or []) - set(known))
    if unknown:
        has = ", ".join(known) if known else "none"
        raise ReportInputError(f"no site {', '.join(map(repr, unknown))} in {store.url} (sites there: {has})")
    chosen = sorted(set(sites)) if sites else known
    runs = batch_side(store, manifests, chosen, start, end)
    runs.crawls = crawl_runs(store, reports, chosen, start, end)
    data = ReportData(
        store=store.url,
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        sites=chosen,
        since=since,
        until=until,
        articles=article_side(store, manifests, set(chosen), start, end),
        runs=runs,
    )
    data.findings = findings(data.articles, data.runs)
    return data

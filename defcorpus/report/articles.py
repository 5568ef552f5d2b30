"""The article side of the report: coverage per site and month, text length, metadata, near-duplicates.

Reads only the small columns of the published files (``corpus.columns``), never a body: the cost on
a large corpus is the footers and a few column chunks per file, and memory holds those columns.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpus.columns import read_columns
from corpus.errors import DamagedFileError, KeyNotFoundError
from corpus.manifest import Manifest
from corpus.store import Store
from corpus.table import live_files

COLUMNS = (
    "id",
    "url",
    "site",
    "month",
    "date_published",
    "fetched_at",
    "word_count",
    "authors",
    "section",
    "main_image",
    "near_duplicate_of",
)
# A month is a gap when it holds fewer than this share of the site's usual (median) month.
GAP_SHARE = 0.25
# ... and only if the usual month holds at least this many: three articles against one is noise.
GAP_MIN_USUAL = 4
# Word-count bins (lower bounds): bodies range from a teaser to a long report.
WORD_BINS = (0, 50, 100, 200, 400, 800, 1600, 3200)
DUPLICATE_GROUPS_SHOWN = 20


@dataclass(frozen=True)
class MonthCount:
    site: str
    month: str  # YYYY-MM, the publication month (the fetch month when undated)
    articles: int
    gap: bool
    usual: float  # the site's median month (months between its first and last, empty ones counted)


@dataclass(frozen=True)
class SiteSpan:
    site: str
    articles: int
    first: str | None  # ISO date of the first dated article
    last: str | None
    months: int
    gap_months: list[str]


@dataclass(frozen=True)
class WordBin:
    site: str
    low: int
    high: int | None  # None: no upper bound
    articles: int

    @property
    def label(self) -> str:
        return f"{self.low}+" if self.high is None else f"{self.low}–{self.high - 1}"


@dataclass(frozen=True)
class WordStats:
    site: str
    median: float
    p10: float
    p90: float
    under_50: int


@dataclass(frozen=True)
class Completeness:
    site: str
    articles: int
    authors: float  # shares of the site's articles, 0..1
    date: float
    section: float
    image: float


@dataclass(frozen=True)
class DuplicateGroup:
    canonical_id: str
    canonical_url: str | None
    sites: list[str]
    members: list[str]  # URLs of the copies


@dataclass
class ArticleSide:
    coverage: list[MonthCount] = field(default_factory=list)
    spans: list[SiteSpan] = field(default_factory=list)
    word_bins: list[WordBin] = field(default_factory=list)
    word_stats: list[WordStats] = field(default_factory=list)
    completeness: list[Completeness] = field(default_factory=list)
    duplicate_groups: int = 0  # groups whose members come from more than one site
    duplicates_shown: list[DuplicateGroup] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (key, what is wrong)


def article_side(
    store: Store, manifests: list[Manifest], sites: set[str], start: datetime | None, end: datetime | None
) -> ArticleSide:
    side = ArticleSide()
    table = _latest(_load(store, manifests, sites, side.skipped))
    table = _in_window(table, start, end)
    rows = table.to_pylist()
    by_site: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_site[row["site"]].append(row)
    for site in sorted(by_site):
        side.coverage += _coverage(site, by_site[site])
        side.spans.append(_span(site, by_site[site], side.coverage))
        side.word_bins += _word_bins(site, by_site[site])
        side.word_stats.append(_word_stats(site, by_site[site]))
        side.completeness.append(_completeness(site, by_site[site]))
    side.duplicate_groups, side.duplicates_shown = _duplicates(rows)
    return side


def _load(store: Store, manifests: list[Manifest], sites: set[str], skipped: list[tuple[str, str]]) -> pa.Table | None:
    tables = []
    for entry in live_files([m for m in manifests if m.site in sites]):
        try:
            tables.append(read_columns(store, entry, COLUMNS))
        except (DamagedFileError, KeyNotFoundError) as exc:
            skipped.append((entry.key, exc.detail if isinstance(exc, DamagedFileError) else "gone from the store"))
    return pa.concat_tables(tables, promote_options="default") if tables else None


def _latest(table: pa.Table | None) -> pa.Table:
    """One row per article id: the most recently fetched version, as ``corpus.open`` reads it."""
    if table is None or not table.num_rows:
        return pa.table({name: pa.array([], pa.string()) for name in ("id", "site")})
    ordered = table.sort_by([("id", "ascending"), ("fetched_at", "descending")])
    ids = np.asarray(ordered["id"].to_numpy(zero_copy_only=False))
    keep = np.concatenate([[True], ids[1:] != ids[:-1]]) if len(ids) else np.array([], bool)
    return ordered.filter(pa.array(keep))


def _in_window(table: pa.Table, start: datetime | None, end: datetime | None) -> pa.Table:
    """Articles published in [start, end); an undated one counts at its fetch, as ``corpus.open`` does."""
    if not table.num_rows or (start is None and end is None):
        return table
    when = pc.coalesce(table["date_published"], table["fetched_at"])
    stamp = table.schema.field("fetched_at").type
    if start is not None:
        table = table.filter(pc.greater_equal(when, pa.scalar(start, stamp)))
        when = pc.coalesce(table["date_published"], table["fetched_at"])
    if end is not None:
        table = table.filter(pc.less(when, pa.scalar(end, stamp)))
    return table


def months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _coverage(site: str, rows: list[dict[str, Any]]) -> list[MonthCount]:
    """Every month from the site's first to its last, empty ones included; gaps flagged.

    The first and last months are never gaps: a crawl window or the current month cuts them short.
    """
    counts = Counter(row["month"] for row in rows)
    months = months_between(min(counts), max(counts))
    usual = float(statistics.median(counts.get(m, 0) for m in months))
    inner = set(months[1:-1])
    return [
        MonthCount(
            site,
            m,
            counts.get(m, 0),
            m in inner and usual >= GAP_MIN_USUAL and counts.get(m, 0) < GAP_SHARE * usual,
            usual,
        )
        for m in months
    ]


def _span(site: str, rows: list[dict[str, Any]], coverage: list[MonthCount]) -> SiteSpan:
    dates = [row["date_published"] for row in rows if row["date_published"] is not None]
    mine = [c for c in coverage if c.site == site]
    return SiteSpan(
        site,
        len(rows),
        min(dates).date().isoformat() if dates else None,
        max(dates).date().isoformat() if dates else None,
        len(mine),
        [c.month for c in mine if c.gap],
    )


def _word_bins(site: str, rows: list[dict[str, Any]]) -> list[WordBin]:
    counts = Counter(int(np.searchsorted(WORD_BINS, row["word_count"] or 0, side="right")) - 1 for row in rows)
    bounds = [*WORD_BINS[1:], None]
    return [WordBin(site, low, bounds[i], counts.get(i, 0)) for i, low in enumerate(WORD_BINS)]


def _word_stats(site: str, rows: list[dict[str, Any]]) -> WordStats:
    words = np.array([row["word_count"] or 0 for row in rows])
    p10, median, p90 = (float(v) for v in np.percentile(words, [10, 50, 90]))
    return WordStats(site, median, p10, p90, int((words < WORD_BINS[1]).sum()))


def _completeness(site: str, rows: list[dict[str, Any]]) -> Completeness:
    total = len(rows)

    def share(test: Any) -> float:
        return round(sum(1 for row in rows if test(row)) / total, 3)

    return Completeness(
        site,
        total,
        share(lambda r: bool(r["authors"])),
        share(lambda r: r["date_published"] is not None),
        share(lambda r: bool(r["section"])),
        share(lambda r: r["main_image"] is not None and bool(r["main_image"].get("url"))),
    )


def _duplicates(rows: list[dict[str, Any]]) -> tuple[int, list[DuplicateGroup]]:
    """Syndication groups (``near_duplicate_of``) whose members come from more than one site."""
    by_id = {row["id"]: row for row in rows}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["near_duplicate_of"]:
            groups[row["near_duplicate_of"]].append(row)
    crossing = []
    for canonical, members in sorted(groups.items()):
        head = by_id.get(canonical)
        sites = sorted({m["site"] for m in members} | ({head["site"]} if head else set()))
        if len(sites) > 1:
            urls = sorted(m["url"] for m in members)
            crossing.append(DuplicateGroup(canonical, head["url"] if head else None, sites, urls))
    crossing.sort(key=lambda g: (-len(g.members), g.canonical_id))
    return len(crossing), crossing[:DUPLICATE_GROUPS_SHOWN]

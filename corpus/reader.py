"""Read the published corpus: only batches with a manifest, newest version of each article.

import corpus
table = corpus.open("s3://bucket/defcorpus").articles(site="19fortyfive", since="2023-01-01")
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from corpus import layout
from corpus.dates import as_utc, next_month, parse_iso8601
from corpus.errors import DamagedFileError, KeyNotFoundError
from corpus.manifest import FileEntry
from corpus.store import Store, open_store
from corpus.table import ARTICLE_SCHEMA, concat_tables, live_files, read_file, read_manifests

logger = logging.getLogger(__name__)
_MONTH_START = "%Y-%m"


class Corpus:
    """The published corpus of one store, as its manifests define it.

    A listed file that is gone or unreadable (a damaged store) is left out with a warning naming it,
    and noted in ``skipped`` (key, what is wrong, rows left out), so the rest still reads; the next
    clean of its site sets it aside (``defcorpus.repair``).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.skipped: list[tuple[str, str, int]] = []

    def articles(
        self,
        site: str | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        *,
        latest: bool = True,
    ) -> pa.Table:
        """Articles published in [since, until) as an Arrow table; ``latest`` keeps one row per article."""
        start, end = _as_datetime(since), _as_datetime(until)
        self.skipped = []
        damaged: list[DamagedFileError] = []
        manifests = read_manifests(self.store, site, damaged=damaged)
        for exc in damaged:
            logger.warning("%s; the files it lists are left out (the next clean adopts them)", exc)
            self.skipped.append((exc.key, exc.detail, 0))
        files = [f for f in live_files(manifests) if _month_overlaps(f.key, start, end)]
        tables = [table for table in map(self._read, files) if table is not None]
        if not tables:
            return _empty()
        table = concat_tables(tables)
        published = pc.coalesce(table["date_published"], table["fetched_at"])
        if start is not None:
            table = table.filter(pc.greater_equal(published, pa.scalar(start, ARTICLE_SCHEMA.field("fetched_at").type)))
            published = pc.coalesce(table["date_published"], table["fetched_at"])
        if end is not None:
            table = table.filter(pc.less(published, pa.scalar(end, ARTICLE_SCHEMA.field("fetched_at").type)))
        if latest:
            table = _latest(table)
        return table.sort_by([("site", "ascending"), ("date_published", "ascending"), ("id", "ascending")])

    def _read(self, entry: FileEntry) -> pa.Table | None:
        try:
            return read_file(self.store, entry.key)
        except (DamagedFileError, KeyNotFoundError) as exc:
            detail = exc.detail if isinstance(exc, DamagedFileError) else "gone from the store"
            logger.warning("%s: %s; its %d rows are left out", entry.key, detail, entry.rows)
            self.skipped.append((entry.key, detail, entry.rows))
            return None


def open_corpus(store: str | Store, *, s3_endpoint_url: str | None = None) -> Corpus:
    if isinstance(store, str):
        store = open_store(store, s3_endpoint_url=s3_endpoint_url)
    return Corpus(store)


def _latest(table: pa.Table) -> pa.Table:
    """The most recently fetched version of each article.

    Of two versions of one fetch (a re-clean), the one published later: files are read in batch
    order, and compaction keeps that order, so the row position breaks the tie.
    """
    table = table.append_column("_order", pa.array(range(table.num_rows), pa.int64()))
    ordered = table.sort_by([("id", "ascending"), ("fetched_at", "descending"), ("_order", "descending")])
    ids = ordered["id"].to_pylist()
    keep = [i for i, value in enumerate(ids) if i == 0 or ids[i - 1] != value]
    return ordered.take(keep).drop_columns(["_order"])


def _as_datetime(value: str | date | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str):
        return parse_iso8601(value)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _month_overlaps(key: str, start: datetime | None, end: datetime | None) -> bool:
    month = layout.month_of_data(key)
    first = datetime.strptime(month, _MONTH_START).replace(tzinfo=UTC)
    after = next_month(first)
    return (start is None or after > start) and (end is None or first < end)


def _empty() -> pa.Table:
    return ARTICLE_SCHEMA.empty_table()

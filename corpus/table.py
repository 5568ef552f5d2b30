"""The published corpus: Parquet files under ``clean/``, made visible batch by batch by manifests.

Publish order: every data file of a batch to ``clean/_staging/`` first (create-only, named so that no
reader of the files looks there), then the batch's manifest (create-only: the commit), then each file
to its place under ``clean/site=…/month=…/`` and its staged copy deleted (the promotion). A batch
without a manifest does not exist, for ``corpus.reader`` and for readers of the files alike; a crashed
publish leaves only staged files, which the next clean of that site removes (``defcorpus.repair``). A
crash during the promotion leaves a committed batch part-promoted: readers through the manifests
read the rest from its staged copies, and the next clean finishes the promotion. Compaction writes
merged files the same way and a manifest that supersedes the files it merged, then deletes them:
what a reader sees through the manifests is the same before, during and after.

Partition columns (``site``, ``month``) are in the path, Hive-style, so pyarrow, pandas, Polars,
DuckDB and Spark read ``clean/`` directly with partition pruning, and (since schema 1.2) inside each
file too, so a file copied out of its folder, or read by a tool that ignores Hive paths (Hugging Face
``datasets``), still says which publisher and month it holds. Both hold the same value.

Files keep the schema they were written with; every read here goes through ``conform``, so a store
mixing files of older minor schema versions reads (and compacts) as one table.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus import layout
from corpus.arrow_schema import model_schema
from corpus.errors import DamagedFileError, KeyExistsError, KeyNotFoundError
from corpus.manifest import FileEntry, Manifest
from corpus.manifest_catalog import read_manifests as read_manifests  # its home before the catalog
from corpus.schema import SCHEMA_VERSION, Article
from corpus.store import Store

logger = logging.getLogger(__name__)

PARTITION_COLUMNS = ("site", "month")
# Derived from the model (corpus/arrow_schema.py). Schema 1.1 appended ``paywalled``, 1.2 the partition
# columns: the columns of an older file are a prefix of these.
ARTICLE_SCHEMA = model_schema(Article, PARTITION_COLUMNS)


def partition_month(article: Article) -> str:
    """Publication month; an undated article is filed under the month it was fetched."""
    when = article.date_published or article.fetched_at
    return f"{when.astimezone(UTC):%Y-%m}"


def articles_to_table(articles: Iterable[Article]) -> pa.Table:
    rows = [{**a.model_dump(mode="python"), "month": partition_month(a)} for a in articles]
    return pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


def publish(store: Store, site: str, articles: list[Article], batch_id: str, inputs: list[str]) -> Manifest:
    """Write one batch of one site and its manifest; returns the manifest."""
    strays = sorted({a.site for a in articles} - {site})
    if strays:  # the file's site column and its path would disagree
        raise ValueError(f"a batch of site {site!r} holds articles of {', '.join(strays)}")
    by_month: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_month[partition_month(article)].append(article)
    parts = [
        _stage_part(store, site, month, batch_id, articles_to_table(sorted(group, key=lambda a: a.id)))
        for month, group in sorted(by_month.items())
    ]
    files = [entry for entry, _ in parts]
    manifest = write_manifest(store, "clean", site, batch_id, files, articles=len(articles), inputs=sorted(inputs))
    for entry, data in parts:
        promote(store, entry.key, data)
    logger.info("published batch %s: %d articles in %d files", batch_id, len(articles), len(files))
    return manifest


def promote(store: Store, key: str, data: bytes | None = None) -> None:
    """Put a committed batch's staged file in its place, then delete the staged copy. Idempotent.

    Why a copy and not a rename: S3 has no rename. A retry (or the next clean finishing a crashed
    promotion) finds the file already in place and only deletes the staged copy.
    """
    staged = layout.staged_key(key)
    with contextlib.suppress(KeyExistsError):
        store.write(key, store.read(staged) if data is None else data, if_absent=True)
    store.delete(staged)


def live_files(manifests: list[Manifest]) -> list[FileEntry]:
    """Files that readers see: listed by a manifest and not superseded by a compaction."""
    superseded = {key for m in manifests for key in m.supersedes}
    return [f for m in manifests for f in m.files if f.key not in superseded]


def compact(store: Store, site: str, batch_id: str, *, min_files: int = 2) -> Manifest | None:
    """Merge each month partition of ``site`` that has ``min_files`` or more live files into one.

    A month holding a file of an older schema version is rewritten even when that file is alone, in
    the current schema (see ``conform``). Why: tools that read the files directly take one file's
    schema for all of them, so a column missing from some files is dropped (pyarrow, pandas) or fails
    the read (Polars, Hugging Face datasets). Rows are kept exactly (every version).
    """
    manifests = read_manifests(store, site)
    outdated = _older_schema_files(manifests)
    by_month: dict[str, list[str]] = defaultdict(list)
    for file in live_files(manifests):
        by_month[_partition(file.key)["month"]].append(file.key)
    files, merged = [], []
    for month, keys in sorted(by_month.items()):
        if len(keys) < min_files and outdated.isdisjoint(keys):
            continue
        table = concat_tables([_read_part(store, k) for k in sorted(keys)])
        sorted_table = table.sort_by([("id", "ascending"), ("fetched_at", "ascending")])
        files.append(_stage_part(store, site, month, batch_id, sorted_table))
        merged += keys
    if not files:
        return None
    entries = [entry for entry, _ in files]
    manifest = write_manifest(store, "compaction", site, batch_id, entries, supersedes=sorted(merged))
    for entry, data in files:
        promote(store, entry.key, data)
    for key in merged:
        store.delete(key)
    logger.info("compacted %s: %d files into %d", site, len(merged), len(files))
    return manifest


def _older_schema_files(manifests: list[Manifest]) -> set[str]:
    current = _version(SCHEMA_VERSION)
    return {f.key for m in manifests if _version(m.schema_version) < current for f in m.files}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _stage_part(store: Store, site: str, month: str, batch_id: str, table: pa.Table) -> tuple[FileEntry, bytes]:
    """One partition file of a batch, staged create-only; its manifest entry and its bytes (to promote)."""
    key = layout.clean_data_key(site, month, batch_id, 0)
    data = _parquet_bytes(table)
    store.write(layout.staged_key(key), data, if_absent=True)
    return file_entry(key, table, len(data)), data


def file_entry(key: str, table: pa.Table, size: int) -> FileEntry:
    """A data file as a manifest lists it."""
    paywalled = pc.sum(table["paywalled"]).as_py() or 0  # counted here so `defcorpus stats` reads no data file
    return FileEntry(key=key, rows=table.num_rows, bytes=size, paywalled=paywalled)


def write_manifest(
    store: Store,
    kind: str,
    site: str,
    batch_id: str,
    files: list[FileEntry],
    *,
    articles: int = 0,
    inputs: list[str] | None = None,
    supersedes: list[str] | None = None,
    schema_version: str = SCHEMA_VERSION,
) -> Manifest:
    """The batch's manifest, written create-only after its files: from now on readers see the batch."""
    fields: dict[str, Any] = {"supersedes": supersedes} if supersedes is not None else {}
    manifest = Manifest(
        kind=kind,
        batch_id=batch_id,
        site=site,
        schema_version=schema_version,
        created_at=datetime.now(UTC).isoformat(),
        articles=articles,
        files=files,
        inputs=inputs or [],
        **fields,
    )
    store.write(layout.manifest_key(batch_id), manifest.to_json(), if_absent=True)
    return manifest


def partition_counts(store: Store, site: str | None = None) -> list[dict[str, Any]]:
    """Rows and paywalled rows per (site, month) from the manifests alone, without reading any data file.

    A file listed before schema 1.1 has no paywalled count: its rows read as not paywalled (``conform``).
    """
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for file in live_files(read_manifests(store, site)):
        part = _partition(file.key)
        counts[part["site"], part["month"]][0] += file.rows
        counts[part["site"], part["month"]][1] += file.paywalled
    return [{"site": s, "month": m, "rows": n, "paywalled": p} for (s, m), (n, p) in sorted(counts.items())]


def read_file(store: Store, key: str) -> pa.Table:
    """One published file in the current schema, its partition columns included."""
    return _read_part(store, key)


def conform(table: pa.Table, partition: dict[str, str] | None = None) -> pa.Table:
    """``table`` (one file as written) in the current column order; a column it predates is filled.

    The partition columns of a file written before schema 1.2 come from ``partition`` (its key's).

    A minor schema version only adds fields with a default, and a filled column holds that default
    (``paywalled``: False), not null. Why: the old row then reads as the record the current model
    builds when the information is absent (it validates as an ``Article``), and a filter such as
    ``~paywalled`` needs no null case. The flag of an old row is not lost: it is in the raw WARC
    record, and ``defcorpus clean --reclean`` publishes it. Columns this code does not know (a newer
    minor version's) are kept, after the known ones.
    """
    for name in ARTICLE_SCHEMA.names:
        if name in table.column_names:
            continue
        if name in PARTITION_COLUMNS and partition and name in partition:
            value = pa.scalar(partition[name], pa.string())
            table = table.append_column(pa.field(name, pa.string()), pa.repeat(value, table.num_rows))
            continue
        model_field = Article.model_fields.get(name)
        if model_field is None or model_field.is_required():
            raise ValueError(f"a published file has no column {name!r}, which has no default")
        column = ARTICLE_SCHEMA.field(name)
        default = pa.scalar(model_field.get_default(call_default_factory=True), column.type)
        table = table.append_column(column, pa.repeat(default, table.num_rows))
    extra = [name for name in table.column_names if name not in ARTICLE_SCHEMA.names]
    return table.select([*ARTICLE_SCHEMA.names, *extra])


def concat_tables(tables: list[pa.Table]) -> pa.Table:
    """Conformed files as one table; a column only newer files have is null in the others' rows."""
    return pa.concat_tables(tables, promote_options="default")


def _read_part(store: Store, key: str) -> pa.Table:
    return parse_part(key, read_published(store, key))


def parse_part(key: str, data: bytes) -> pa.Table:
    """A data file's bytes as a conformed table; ``DamagedFileError`` if they are not a readable file."""
    try:
        return conform(pq.read_table(io.BytesIO(data)), _partition(key))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DamagedFileError(key, f"not a readable Parquet file ({len(data)} bytes): {exc}") from None


def read_published(store: Store, key: str) -> bytes:
    """A committed file's bytes: from its place, or from its staged copy while its promotion is unfinished.

    Read again from its place if the staged copy went meanwhile: the promotion finished in between.
    """
    try:
        return store.read(key)
    except KeyNotFoundError:
        pass
    try:
        return store.read(layout.staged_key(key))
    except KeyNotFoundError:
        return store.read(key)


def partition_of(key: str) -> dict[str, str]:
    """The Hive partition values in a data file's key: ``{"site": …, "month": …}``."""
    return dict(p.split("=", 1) for p in key.split("/") if "=" in p)


_partition = partition_of


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()

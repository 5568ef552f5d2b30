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

Partition columns (``site``, ``month``) live in the path, Hive-style, not inside the files, so
pyarrow, pandas, Polars, DuckDB and Spark all read ``clean/`` directly with partition pruning.

Files keep the schema they were written with; every read here goes through ``conform``, so a store
mixing files of older minor schema versions reads (and compacts) as one table.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus import layout
from corpus.errors import DamagedFileError, KeyExistsError, KeyNotFoundError
from corpus.schema import SCHEMA_VERSION, Article
from corpus.store import Store

logger = logging.getLogger(__name__)

_TS = pa.timestamp("us", tz="UTC")
ARTICLE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("url", pa.string()),
        ("canonical_url", pa.string()),
        ("headline", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("author_bios", pa.list_(pa.string())),
        ("date_published", _TS),
        ("date_modified", _TS),
        ("section", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("language", pa.string()),
        ("description", pa.string()),
        ("body", pa.string()),
        ("main_image", pa.struct([("url", pa.string()), ("caption", pa.string()), ("credit", pa.string())])),
        ("word_count", pa.int32()),
        ("content_hash", pa.string()),
        ("near_duplicate_of", pa.string()),
        ("warc_file", pa.string()),
        ("warc_record_id", pa.string()),
        ("fetched_at", _TS),
        ("cleaner_version", pa.string()),
        ("schema_version", pa.string()),
        # Added in schema 1.1; appended, so the columns of a 1.0 file are a prefix of these.
        ("paywalled", pa.bool_()),
    ]
)
PARTITION_COLUMNS = ("site", "month")


def partition_month(article: Article) -> str:
    """Publication month; an undated article is filed under the month it was fetched."""
    when = article.date_published or article.fetched_at
    return f"{when.astimezone(UTC):%Y-%m}"


def articles_to_table(articles: Iterable[Article]) -> pa.Table:
    rows = [a.model_dump(mode="python", exclude={"site"}) for a in articles]
    return pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


def publish(store: Store, site: str, articles: list[Article], batch_id: str, inputs: list[str]) -> dict[str, Any]:
    """Write one batch of one site and its manifest; returns the manifest."""
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
        promote(store, entry["key"], data)
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


def read_manifests(
    store: Store, site: str | None = None, *, damaged: list[DamagedFileError] | None = None
) -> list[dict[str, Any]]:
    """The manifests of ``site`` (or all), oldest first.

    A manifest that does not parse (cut short, overwritten) is left out: added to ``damaged`` if
    given (the clean sets it aside, ``defcorpus.repair``), else logged as a warning naming it, so that
    one damaged object never makes the whole corpus unreadable. Its site is unknown, so it is
    reported whatever ``site`` is.
    """
    manifests = []
    for key in store.list(layout.MANIFEST_PREFIX):
        if not key.endswith(".json"):
            continue
        try:
            manifest = _parse_manifest(key, store.read(key))
        except KeyNotFoundError:  # deleted between list and read
            continue
        except DamagedFileError as exc:
            if damaged is None:
                logger.warning("%s; left out (the next clean sets it aside)", exc)
            else:
                damaged.append(exc)
            continue
        if site is None or manifest["site"] == site:
            manifests.append(manifest)
    return sorted(manifests, key=lambda m: m["batch_id"])


def _parse_manifest(key: str, raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw)
        ok = (
            isinstance(manifest, dict)
            and all(isinstance(manifest.get(f), str) for f in ("kind", "batch_id", "site", "schema_version"))
            and isinstance(manifest.get("inputs"), list)
            and isinstance(manifest.get("files"), list)
            and all(isinstance(f, dict) and isinstance(f.get("key"), str) for f in manifest["files"])
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise DamagedFileError(key, f"not a manifest ({type(exc).__name__}, {len(raw)} bytes)") from None
    if not ok:
        raise DamagedFileError(key, f"not a manifest (fields missing, {len(raw)} bytes)")
    return manifest


def live_files(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Files that readers see: listed by a manifest and not superseded by a compaction."""
    superseded = {key for m in manifests for key in m.get("supersedes", [])}
    return [f for m in manifests for f in m["files"] if f["key"] not in superseded]


def compact(store: Store, site: str, batch_id: str, *, min_files: int = 2) -> dict[str, Any] | None:
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
        by_month[_partition(file["key"])["month"]].append(file["key"])
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
        promote(store, entry["key"], data)
    for key in merged:
        store.delete(key)
    logger.info("compacted %s: %d files into %d", site, len(merged), len(files))
    return manifest


def _older_schema_files(manifests: list[dict[str, Any]]) -> set[str]:
    current = _version(SCHEMA_VERSION)
    return {f["key"] for m in manifests if _version(m["schema_version"]) < current for f in m["files"]}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _stage_part(store: Store, site: str, month: str, batch_id: str, table: pa.Table) -> tuple[dict[str, Any], bytes]:
    """One partition file of a batch, staged create-only; its manifest entry and its bytes (to promote)."""
    key = layout.clean_data_key(site, month, batch_id, 0)
    data = _parquet_bytes(table)
    store.write(layout.staged_key(key), data, if_absent=True)
    return file_entry(key, table, len(data)), data


def file_entry(key: str, table: pa.Table, size: int) -> dict[str, Any]:
    """A data file as a manifest lists it."""
    paywalled = pc.sum(table["paywalled"]).as_py() or 0  # counted here so `defcorpus stats` reads no data file
    return {"key": key, "rows": table.num_rows, "bytes": size, "paywalled": paywalled}


def write_manifest(
    store: Store,
    kind: str,
    site: str,
    batch_id: str,
    files: list[dict[str, Any]],
    *,
    articles: int = 0,
    inputs: list[str] | None = None,
    supersedes: list[str] | None = None,
    schema_version: str = SCHEMA_VERSION,
    **extra: Any,
) -> dict[str, Any]:
    """The batch's manifest, written create-only after its files: from now on readers see the batch."""
    manifest: dict[str, Any] = {
        "kind": kind,
        "batch_id": batch_id,
        "site": site,
        "schema_version": schema_version,
        "created_at": datetime.now(UTC).isoformat(),
        "articles": articles,
        "files": files,
        "inputs": inputs or [],
    }
    if supersedes is not None:
        manifest["supersedes"] = supersedes
    manifest.update(extra)
    store.write(layout.manifest_key(batch_id), json.dumps(manifest, indent=2).encode(), if_absent=True)
    return manifest


def partition_counts(store: Store, site: str | None = None) -> list[dict[str, Any]]:
    """Rows and paywalled rows per (site, month) from the manifests alone, without reading any data file.

    A file listed before schema 1.1 has no paywalled count: its rows read as not paywalled (``conform``).
    """
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for file in live_files(read_manifests(store, site)):
        part = _partition(file["key"])
        counts[part["site"], part["month"]][0] += file["rows"]
        counts[part["site"], part["month"]][1] += file.get("paywalled", 0)
    return [{"site": s, "month": m, "rows": n, "paywalled": p} for (s, m), (n, p) in sorted(counts.items())]


def read_file(store: Store, key: str) -> pa.Table:
    """One published file in the current schema, with its partition columns restored from the key."""
    table = _read_part(store, key)
    parts = _partition(key)
    for column in PARTITION_COLUMNS:
        table = table.append_column(column, pa.array([parts[column]] * table.num_rows, pa.string()))
    return table


def conform(table: pa.Table) -> pa.Table:
    """``table`` (one file as written) in the current column order; a column it predates is filled.

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
        model_field = Article.model_fields[name]
        if model_field.is_required():
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
        return conform(pq.read_table(io.BytesIO(data)))
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

"""The published corpus: Parquet files under ``clean/``, made visible batch by batch by manifests.

Publish order: every data file of a batch first (create-only), then the batch's manifest
(create-only). A batch without a manifest is invisible to ``corpus.reader``; a crashed publish
leaves only unreferenced files, which the next publish removes.

Partition columns (``site``, ``month``) live in the path, Hive-style, not inside the files, so
pyarrow, pandas, Polars, DuckDB and Spark all read ``clean/`` directly with partition pruning.
"""

from __future__ import annotations

import io
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from corpus import layout
from corpus.errors import KeyNotFoundError
from corpus.schema import SCHEMA_VERSION, Article
from corpus.store import Store

logger = logging.getLogger(__name__)

_TS = pa.timestamp("us", tz="UTC")
ARTICLE_SCHEMA = pa.schema([
    ("id", pa.string()), ("url", pa.string()), ("canonical_url", pa.string()),
    ("headline", pa.string()), ("authors", pa.list_(pa.string())), ("author_bios", pa.list_(pa.string())),
    ("date_published", _TS), ("date_modified", _TS), ("section", pa.string()),
    ("tags", pa.list_(pa.string())), ("language", pa.string()), ("description", pa.string()),
    ("body", pa.string()),
    ("main_image", pa.struct([("url", pa.string()), ("caption", pa.string()), ("credit", pa.string())])),
    ("word_count", pa.int32()), ("content_hash", pa.string()), ("near_duplicate_of", pa.string()),
    ("warc_file", pa.string()), ("warc_record_id", pa.string()), ("fetched_at", _TS),
    ("cleaner_version", pa.string()), ("schema_version", pa.string()),
])
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
    files = []
    for month, group in sorted(by_month.items()):
        key = layout.clean_data_key(site, month, batch_id, 0)
        data = _parquet_bytes(articles_to_table(sorted(group, key=lambda a: a.id)))
        store.write(key, data, if_absent=True)
        files.append({"key": key, "rows": len(group), "bytes": len(data)})
    manifest = {
        "batch_id": batch_id, "site": site, "schema_version": SCHEMA_VERSION,
        "created_at": datetime.now(UTC).isoformat(), "articles": len(articles),
        "files": files, "inputs": sorted(inputs),
    }
    store.write(layout.manifest_key(batch_id), json.dumps(manifest, indent=2).encode(), if_absent=True)
    logger.info("published batch %s: %d articles in %d files", batch_id, len(articles), len(files))
    return manifest


def read_manifests(store: Store, site: str | None = None) -> list[dict[str, Any]]:
    manifests = []
    for key in store.list(layout.MANIFEST_PREFIX):
        if not key.endswith(".json"):
            continue
        try:
            manifest = json.loads(store.read(key))
        except KeyNotFoundError:  # deleted between list and read
            continue
        if site is None or manifest["site"] == site:
            manifests.append(manifest)
    return sorted(manifests, key=lambda m: m["batch_id"])


def remove_unpublished(store: Store, site: str) -> list[str]:
    """Delete data files of a site that no manifest references: leftovers of a crashed publish."""
    referenced = {f["key"] for m in read_manifests(store, site) for f in m["files"]}
    prefix = f"{layout.CLEAN_PREFIX}site={site}/"
    orphans = [k for k in store.list(prefix) if k.endswith(".parquet") and k not in referenced]
    for key in orphans:
        logger.warning("removing unpublished file from an interrupted publish: %s", key)
        store.delete(key)
    return orphans


def read_file(store: Store, key: str) -> pa.Table:
    """One published file, with its partition columns restored from the key."""
    table = pq.read_table(io.BytesIO(store.read(key)))
    parts = dict(p.split("=", 1) for p in key.split("/") if "=" in p)
    for column in PARTITION_COLUMNS:
        table = table.append_column(column, pa.array([parts[column]] * table.num_rows, pa.string()))
    return table


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()

"""Make a batch that the current code published look as an older schema wrote it.

1.0: no ``paywalled`` anywhere, and no ``site``/``month`` columns; 1.1: no ``site``/``month`` columns.

Why rewrite rather than hand-build: the rows, keys and manifest come from the real publish path, so
only what 1.0 lacked differs (the column, the manifest's paywalled counts, the version strings).
"""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq

from corpus import layout
from corpus.store import Store

OLD_VERSION = "1.0"
PARTITION_COLUMNS = ["site", "month"]


def downgrade_to_1_0(store: Store, batch_id: str) -> None:
    _downgrade(store, batch_id, OLD_VERSION, ["paywalled", *PARTITION_COLUMNS])


def downgrade_to_1_1(store: Store, batch_id: str) -> None:
    _downgrade(store, batch_id, "1.1", PARTITION_COLUMNS)


def _downgrade(store: Store, batch_id: str, version: str, drop: list[str]) -> None:
    key = layout.manifest_key(batch_id)
    manifest = json.loads(store.read(key))
    for entry in manifest["files"]:
        table = pq.read_table(io.BytesIO(store.read(entry["key"]))).drop_columns(drop)
        versions = pa.array([version] * table.num_rows, pa.string())
        table = table.set_column(table.schema.get_field_index("schema_version"), "schema_version", versions)
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        store.write(entry["key"], sink.getvalue())
        if "paywalled" in drop:
            del entry["paywalled"]
        entry["bytes"] = sink.getbuffer().nbytes
    manifest["schema_version"] = version
    store.write(key, json.dumps(manifest, indent=2).encode())


def has_paywalled_column(store: Store, key: str) -> bool:
    return "paywalled" in pq.read_schema(io.BytesIO(store.read(key))).names


def has_partition_columns(store: Store, key: str) -> bool:
    return set(PARTITION_COLUMNS) <= set(pq.read_schema(io.BytesIO(store.read(key))).names)


def downgrade_version_index(store: Store, site: str) -> None:
    """Rewrite the site's version index as format 1 wrote it: 16-byte digests of (id, content hash), no metadata."""
    from corpus.table import live_files, read_file, read_manifests
    from corpus.version_index import PARTITIONS, partition_of, version_digest

    manifests = read_manifests(store, site)
    parts: dict[int, set[bytes]] = {}
    for entry in live_files(manifests):
        table = read_file(store, entry.key)
        for article_id, content_hash in zip(table["id"].to_pylist(), table["content_hash"].to_pylist(), strict=True):
            parts.setdefault(partition_of(article_id), set()).add(version_digest(article_id, content_hash))
    for key in store.list(layout.version_index_prefix(site)):
        store.delete(key)
    for p, digests in parts.items():
        store.write(layout.version_index_partition_key(site, p), b"DCVI1\n" + b"".join(sorted(digests)))
    root = {"format": 1, "partitions": PARTITIONS, "folded": sorted(m.batch_id for m in manifests)}
    store.write(layout.version_index_root_key(site), json.dumps({**root, "present": sorted(parts)}).encode())

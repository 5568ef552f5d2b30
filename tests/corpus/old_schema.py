"""Make a batch that the current code published look as schema 1.0 wrote it: no ``paywalled`` anywhere.

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


def downgrade_to_1_0(store: Store, batch_id: str) -> None:
    key = layout.manifest_key(batch_id)
    manifest = json.loads(store.read(key))
    for entry in manifest["files"]:
        table = pq.read_table(io.BytesIO(store.read(entry["key"]))).drop_columns(["paywalled"])
        versions = pa.array([OLD_VERSION] * table.num_rows, pa.string())
        table = table.set_column(table.schema.get_field_index("schema_version"), "schema_version", versions)
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        store.write(entry["key"], sink.getvalue())
        del entry["paywalled"]
        entry["bytes"] = sink.getbuffer().nbytes
    manifest["schema_version"] = OLD_VERSION
    store.write(key, json.dumps(manifest, indent=2).encode())


def has_paywalled_column(store: Store, key: str) -> bool:
    return "paywalled" in pq.read_schema(io.BytesIO(store.read(key))).names

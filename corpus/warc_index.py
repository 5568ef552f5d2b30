"""A Parquet index next to each WARC file: the CDX idea, for random access to any page's original bytes.

Written by the crawl when it stores a WARC file, from rows it collects while writing the file
(``index_row`` of each response record, at the offset and length of its gzip member), so the file is
never read back; ``index_warc`` builds the same rows by reading a WARC file. Light imports only
(warcio, pyarrow), as it runs inside the crawl process.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from corpus import layout
from corpus.store import Store

INDEX_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("record_id", pa.string()),
        ("warc_date", pa.string()),
        ("status", pa.int16()),
        ("content_type", pa.string()),
        ("offset", pa.int64()),
        ("length", pa.int64()),
        ("payload_digest", pa.string()),
    ]
)

IndexRow = dict[str, Any]


def index_row(record: ArcWarcRecord, offset: int, length: int) -> IndexRow:
    """The index entry of one response record whose gzip member starts at ``offset``, ``length`` long."""
    headers = record.http_headers
    content_type = headers.get_header("Content-Type") if headers else None
    return {
        "url": record.rec_headers.get_header("WARC-Target-URI"),
        "record_id": record.rec_headers.get_header("WARC-Record-ID"),
        "warc_date": record.rec_headers.get_header("WARC-Date"),
        "status": int(headers.get_statuscode()) if headers else None,
        # As a reader parses it back: header values are stripped.
        "content_type": content_type.strip() if content_type is not None else None,
        "offset": offset,
        "length": length,
        "payload_digest": record.rec_headers.get_header("WARC-Payload-Digest"),
    }


def index_table(rows: list[IndexRow]) -> pa.Table:
    """The index of ``rows``, in order.

    Built by Arrow's JSON reader rather than ``pa.Table.from_pylist``: converting Python lists makes
    pyarrow import pandas (about a second of CPU), which the crawl process has no other use for.
    """
    if not rows:
        return pa.Table.from_batches([], schema=INDEX_SCHEMA)
    data = "".join(json.dumps(row) + "\n" for row in rows).encode()
    return pa_json.read_json(
        io.BytesIO(data),
        read_options=pa_json.ReadOptions(use_threads=False, block_size=max(len(data), 1 << 20)),
        parse_options=pa_json.ParseOptions(explicit_schema=INDEX_SCHEMA, unexpected_field_behavior="error"),
    )


def index_warc(path: Path) -> pa.Table:
    """One row per response record: where its gzip member starts and how long it is.

    With ``offset`` and ``length``, one HTTP range request (or seek) fetches one page's original
    bytes from a WARC file of any size: the CDX idea, as a Parquet file next to the WARC file.
    """
    rows = []
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            if record.rec_type != "response":
                continue
            records.read_to_end(record)
            rows.append(index_row(record, records.get_record_offset(), records.get_record_length()))
    return index_table(rows)


def write_index_rows(store: Store, warc_key: str, rows: list[IndexRow]) -> str:
    """Store the index of a WARC file from its rows (``index_row`` of each response record)."""
    return _store_index(store, warc_key, index_table(rows))


def write_index(store: Store, warc_key: str, path: Path) -> str:
    """Index a local WARC file and store the index next to its stored copy."""
    return _store_index(store, warc_key, index_warc(path))


def _store_index(store: Store, warc_key: str, table: pa.Table) -> str:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    key = layout.warc_index_key(warc_key)
    store.write(key, sink.getvalue())
    return key

"""A Parquet index next to each WARC file: the CDX idea, for random access to any page's original bytes.

Written by the crawl when it stores a WARC file; light imports only (warcio, pyarrow), as it runs
inside the crawl process.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator

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
            headers = record.http_headers
            row = {
                "url": record.rec_headers.get_header("WARC-Target-URI"),
                "record_id": record.rec_headers.get_header("WARC-Record-ID"),
                "warc_date": record.rec_headers.get_header("WARC-Date"),
                "status": int(headers.get_statuscode()) if headers else None,
                "content_type": headers.get_header("Content-Type") if headers else None,
                "payload_digest": record.rec_headers.get_header("WARC-Payload-Digest"),
            }
            records.read_to_end(record)
            rows.append({**row, "offset": records.get_record_offset(), "length": records.get_record_length()})
    return pa.Table.from_pylist(rows, schema=INDEX_SCHEMA)


def index_key(warc_key: str) -> str:
    return warc_key.removesuffix(".warc.gz") + ".cdx.parquet"


def write_index(store: Store, warc_key: str, path: Path) -> str:
    """Index a local WARC file and store the index next to its stored copy."""
    sink = io.BytesIO()
    pq.write_table(index_warc(path), sink, compression="zstd")
    key = index_key(warc_key)
    store.write(key, sink.getvalue())
    return key

"""Read the article responses back out of the raw WARC files in the store."""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator

from cleaning.pipeline import FetchedPage
from corpus.store import Store

logger = logging.getLogger(__name__)


def iter_responses(store: Store, key: str) -> Iterator[FetchedPage]:
    """Every successful HTML response in one WARC file, in file order."""
    with tempfile.TemporaryDirectory(prefix="defcorpus-read-") as tmp:
        path = Path(tmp) / "file.warc.gz"
        store.download_file(key, path)
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                status = record.http_headers.get_statuscode()
                content_type = record.http_headers.get_header("Content-Type") or ""
                if status != "200" or "html" not in content_type.lower():
                    continue
                yield FetchedPage(
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    html=record.content_stream().read(),
                    fetched_at=datetime.fromisoformat(record.rec_headers.get_header("WARC-Date")),
                    warc_file=key,
                    warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
                )


INDEX_SCHEMA = pa.schema([
    ("url", pa.string()), ("record_id", pa.string()), ("warc_date", pa.string()), ("status", pa.int16()),
    ("content_type", pa.string()), ("offset", pa.int64()), ("length", pa.int64()), ("payload_digest", pa.string()),
])


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


def read_record(store: Store, warc_key: str, offset: int, length: int) -> FetchedPage:
    """One page's original response, by its index entry, without reading the rest of the file."""
    member = store.read_range(warc_key, offset, length)
    record = next(iter(ArchiveIterator(io.BytesIO(member))))
    return FetchedPage(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        html=record.content_stream().read(),
        fetched_at=datetime.fromisoformat(record.rec_headers.get_header("WARC-Date")),
        warc_file=warc_key,
        warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
    )

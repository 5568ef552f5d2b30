"""Read the article responses back out of the raw WARC files in the store."""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

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

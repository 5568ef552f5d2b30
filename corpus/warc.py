"""Read the article responses back out of the raw WARC files in the store."""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from cleaning.pipeline import FetchedPage
from corpus.errors import StoreError
from corpus.store import Store

logger = logging.getLogger(__name__)
# Space-separated flags the crawler's WARC writer (crawlers/extensions/warc_writer.py) sets on a response.
FLAGS_HEADER = "WARC-Defcorpus-Flags"


def iter_responses(store: Store, key: str, *, max_bytes: int | None = None) -> Iterator[FetchedPage]:
    """Every successful HTML response in one WARC file, in file order.

    HTML is what the Content-Type says, or, when a publisher sends none or a generic one
    (``application/octet-stream``, ``text/plain``), what the payload starts with: a misconfigured
    server must not make its articles vanish silently. With ``max_bytes``, a payload is read up to
    ``max_bytes + 1`` bytes: a longer one (a hostile or broken 200 MB page) arrives cut, so the caller
    can tell it is too large without memory for it all.
    """
    limit = None if max_bytes is None else max_bytes + 1
    with tempfile.TemporaryDirectory(prefix="defcorpus-read-") as tmp:
        path = Path(tmp) / "file.warc.gz"
        try:
            store.download_file(key, path)
        except OSError as exc:  # the local side: a full or read-only temp directory
            raise StoreError(f"cannot copy {store.uri(key)} to a local temporary file: {exc.strerror or exc}") from exc
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if record.http_headers.get_statuscode() != "200":
                    continue
                content_type = (record.http_headers.get_header("Content-Type") or "").lower()
                declared = "html" in content_type
                if not declared and content_type.split(";")[0].strip() not in _GENERIC_TYPES:
                    continue
                stream = record.content_stream()
                html = stream.read() if limit is None else stream.read(limit)  # warcio's read(-1) reads nothing
                if not declared and not _looks_like_html(html):
                    continue
                yield FetchedPage(
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    html=html,
                    fetched_at=datetime.fromisoformat(record.rec_headers.get_header("WARC-Date")),
                    warc_file=key,
                    warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    paywalled=_flagged(record, "paywall"),
                )


_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "text/plain"}


def _looks_like_html(payload: bytes) -> bool:
    head = payload[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


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
        paywalled=_flagged(record, "paywall"),
    )


def _flagged(record: ArcWarcRecord, flag: str) -> bool:
    return flag in (record.rec_headers.get_header(FLAGS_HEADER) or "").split()


def html_records(fh: IO[bytes], source: str) -> Iterator[FetchedPage]:
    """Every successful HTML response of a WARC file opened by the caller (``.warc`` or ``.warc.gz``).

    For WARC files that are not in a store: other tools' crawls, web archives' downloads. The
    same records count as HTML as in ``iter_responses``; ``warc_file`` is ``source``.
    """
    for record in ArchiveIterator(fh):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        if record.http_headers.get_statuscode() != "200":
            continue
        content_type = (record.http_headers.get_header("Content-Type") or "").lower()
        declared = "html" in content_type
        if not declared and content_type.split(";")[0].strip() not in _GENERIC_TYPES:
            continue
        html = record.content_stream().read()
        if not declared and not _looks_like_html(html):
            continue
        yield FetchedPage(
            url=record.rec_headers.get_header("WARC-Target-URI"),
            html=html,
            fetched_at=datetime.fromisoformat(record.rec_headers.get_header("WARC-Date")),
            warc_file=source,
            warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
            paywalled=_flagged(record, "paywall"),
        )

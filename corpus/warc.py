"""Read the article responses back out of the raw WARC files in the store."""

from __future__ import annotations

import io
import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException

from corpus.dates import parse_iso8601
from corpus.errors import DamagedWarcError, StoreError
from corpus.pages import FetchedPage
from corpus.store import Store
from corpus.tempdirs import private_tempdir

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

    A damaged file (cut short, a record that does not decompress or parse, a digest that does not
    match) yields the responses before the damage, then raises ``DamagedWarcError`` with the offset
    up to which the file is whole. Why check: warcio ends quietly at a gzip member cut in half, so
    the pages after the cut would vanish without a word.
    """
    with private_tempdir("defcorpus-read-") as tmp:
        path = Path(tmp) / "file.warc.gz"
        try:
            store.download_file(key, path)
        except OSError as exc:  # the local side: a full or read-only temp directory
            raise StoreError(f"cannot copy {store.uri(key)} to a local temporary file: {exc.strerror or exc}") from exc
        with path.open("rb") as fh:
            yield from _checked_responses(fh, key, path.stat().st_size, max_bytes)


def _checked_responses(fh: IO[bytes], key: str, size: int, max_bytes: int | None) -> Iterator[FetchedPage]:
    """The pages of one file; each is yielded once its record is known to be whole.

    A record is whole when the reader got past it to the next one, or, for the last record, when its
    gzip member ends where the file does: a member cut short decompresses as far as it goes without
    an error, and warcio hands over the truncated record as if it were complete.
    """
    limit = None if max_bytes is None else max_bytes + 1
    records = ArchiveIterator(fh, check_digests=True)
    intact, detail = 0, ""
    pending: FetchedPage | None = None  # the page of the last record read, not yet known to be whole
    last = 0  # where the last record read starts
    try:
        for record in records:
            if pending is not None:
                yield pending
                pending = None
            start = records.offset  # not get_record_offset(): before read_to_end it skips the record
            page = _page(record, key, limit)
            records.read_to_end(record)
            if record.digest_checker.passed is False:
                detail = f"record {record.rec_headers.get_header('WARC-Record-ID')} fails its digest"
                break
            last, intact, pending = start, start + records.get_record_length(), page
    # AttributeError: warcio reading a record cut inside its headers (a missing WARC-Target-URI).
    except (
        ArchiveLoadFailed,
        StatusAndHeadersParserException,
        zlib.error,
        ValueError,
        EOFError,
        AttributeError,
    ) as exc:
        detail = f"unreadable record at byte {intact}: {type(exc).__name__}"
        pending = None
    if not detail and intact == size and not _member_ends_at_eof(fh, last):
        detail, intact, pending = f"cut short in the record at byte {last}", last, None
    if pending is not None:
        yield pending
    if intact != size:
        detail = detail or f"cut short: {size - intact} bytes after the last whole record"
        raise DamagedWarcError(key, detail, intact, size)


def _member_ends_at_eof(fh: IO[bytes], offset: int) -> bool:
    """The gzip member at ``offset`` is whole and the last thing in the file (True for a plain WARC file)."""
    fh.seek(offset)
    if fh.read(2) != b"\x1f\x8b":
        return True
    fh.seek(offset)
    member = zlib.decompressobj(zlib.MAX_WBITS + 16)
    try:
        while chunk := fh.read(1 << 16):
            member.decompress(chunk, 1 << 16)  # bounded output: only the end matters
            while member.unconsumed_tail:
                member.decompress(member.unconsumed_tail, 1 << 16)
            if member.eof:
                return not member.unused_data and not fh.read(1)
    except zlib.error:
        return False
    return member.eof


def _page(record: ArcWarcRecord, key: str, limit: int | None) -> FetchedPage | None:
    """The record as a page if it is a successful HTML response; its payload read up to ``limit``."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    if record.http_headers.get_statuscode() != "200":
        return None
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    declared = "html" in content_type
    if not declared and content_type.split(";")[0].strip() not in _GENERIC_TYPES:
        return None
    stream = record.content_stream()
    html = stream.read() if limit is None else stream.read(limit)  # warcio's read(-1) reads nothing
    if not declared and not _looks_like_html(html):
        return None
    return FetchedPage(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        html=html,
        fetched_at=parse_iso8601(record.rec_headers.get_header("WARC-Date")),
        warc_file=key,
        warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
        paywalled=_flagged(record, "paywall"),
        content_type=record.http_headers.get_header("Content-Type"),
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
        fetched_at=parse_iso8601(record.rec_headers.get_header("WARC-Date")),
        warc_file=warc_key,
        warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
        paywalled=_flagged(record, "paywall"),
        content_type=record.http_headers.get_header("Content-Type") if record.http_headers else None,
    )


def _flagged(record: ArcWarcRecord, flag: str) -> bool:
    return flag in (record.rec_headers.get_header(FLAGS_HEADER) or "").split()


def html_records(fh: IO[bytes], source: str) -> Iterator[FetchedPage]:
    """Every successful HTML response of a WARC file opened by the caller (``.warc`` or ``.warc.gz``).

    For WARC files that are not in a store: other tools' crawls, web archives' downloads. The same
    records count as HTML as in ``iter_responses``, with the same checks (``DamagedWarcError`` after
    the whole records of a damaged file); ``warc_file`` is ``source``.
    """
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    fh.seek(0)
    yield from _checked_responses(fh, source, size, None)

"""Scrapy's requests and responses as WARC/1.1 records, built uncompressed on the reactor thread.

Why apart from the writer: building a record is quick and needs Scrapy's objects (headers, the IP, the
guards' flags in ``request.meta``); compressing, writing, rotating and uploading files is slow and is
the writer's worker thread's job (``crawlers/extensions/warc_writer.py``). Here warcio computes the
SHA-1 block and payload digests. Scrapy hands us decoded bodies, so ``Content-Encoding`` and
``Transfer-Encoding`` are dropped from the recorded headers and ``Content-Length`` is set to the stored
payload's length. Flags set by the guards (``defcorpus_paywall``) become a ``WARC-Defcorpus-Flags``
header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpus.version import VERSION
from corpus.warc_index import IndexRow, index_row

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response
    from warcio.recordloader import ArcWarcRecord

SOFTWARE = f"defcorpus/{VERSION} (Scrapy; warcio)"
_HOP_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}
_REASONS = {status.value: status.phrase for status in HTTPStatus}


@dataclass(frozen=True)
class Exchange:
    """One request and its response as uncompressed WARC records."""

    fetched: str
    request_record: bytes
    response_record: bytes
    index: IndexRow  # the response's index row; offset and length are the writer's to fill in
    draft: dict[str, Any] | None  # the incremental middleware's FetchRecord fields, for an article

    @property
    def size(self) -> int:
        return len(self.request_record) + len(self.response_record)


class RecordBuilder:
    """Builds records into one reused buffer: not thread-safe, meant for the reactor thread alone."""

    def __init__(self) -> None:
        self._buffer = BytesIO()
        self._builder = WARCWriter(self._buffer, gzip=False, warc_version="1.1")

    def exchange(self, response: Response, request: Request) -> Exchange:
        fetched = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        response_record = self._builder.create_warc_record(
            response.url,
            "response",
            payload=BytesIO(response.body),
            length=len(response.body),
            http_headers=_response_headers(response),
            warc_headers_dict=_warc_headers(fetched, response, request),
        )
        request_body = request.body or b""
        request_record = self._builder.create_warc_record(
            request.url,
            "request",
            payload=BytesIO(request_body),
            length=len(request_body),  # without it warcio spools the payload to a temporary file (and leaks it)
            http_headers=_request_headers(request),
            warc_headers_dict={
                "WARC-Date": fetched,
                "WARC-Concurrent-To": response_record.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        draft = request.meta.get("defcorpus_fetch")
        return Exchange(
            fetched=fetched,
            request_record=self._serialize(request_record),
            response_record=self._serialize(response_record),
            index=index_row(response_record, 0, 0),  # after serializing: as a reader will see the headers
            draft=dict(draft) if draft else None,
        )

    def _serialize(self, record: ArcWarcRecord) -> bytes:
        """One record as warcio writes it, uncompressed (digests and Content-Length included)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._builder.write_record(record)
        return self._buffer.getvalue()


def warcinfo_record(filename: str, part_of: str) -> bytes:
    """The ``warcinfo`` record that opens every file: this software, the format, the crawl it is part of."""
    buffer = BytesIO()
    builder = WARCWriter(buffer, gzip=False, warc_version="1.1")
    info = {"software": SOFTWARE, "format": "WARC File Format 1.1", "isPartOf": part_of}
    builder.write_record(builder.create_warcinfo_record(filename, info))
    return buffer.getvalue()


def _response_headers(response: Response) -> StatusAndHeaders:
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in response.headers.items()
        if name.lower() not in _HOP_HEADERS
        for value in values
    ]
    headers.append(("Content-Length", str(len(response.body))))
    reason = _REASONS.get(response.status, "")
    protocol = response.protocol or "HTTP/1.1"
    return StatusAndHeaders(f"{response.status} {reason}".strip(), headers, protocol=protocol)


def _request_headers(request: Request) -> StatusAndHeaders:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc)] + [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in request.headers.items()
        for value in values
    ]
    return StatusAndHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)


def _warc_headers(fetched: str, response: Response, request: Request) -> dict[str, Any]:
    headers = {"WARC-Date": fetched}
    if response.ip_address is not None:
        headers["WARC-IP-Address"] = str(response.ip_address)
    flags = [flag for flag in ("paywall",) if request.meta.get(f"defcorpus_{flag}")]
    if flags:
        headers["WARC-Defcorpus-Flags"] = " ".join(flags)
    return headers

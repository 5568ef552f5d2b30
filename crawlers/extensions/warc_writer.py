"""Write every fetched response, with its request, to ISO 28500 WARC files in the store.

Files are written locally, then uploaded whole (create-only) when they reach
``DEFCORPUS_WARC_MAX_BYTES``, ``DEFCORPUS_WARC_MAX_RECORDS`` responses or ``DEFCORPUS_WARC_MAX_SECONDS``
of age, or the crawl closes, so the store never holds a partial WARC file and a killed crawl loses at
most one small file's worth of pages (fetched again by the next run). Before a file is uploaded, its
state segment (``crawlers.state``: the articles in it, with ETag, Last-Modified and content hash) is
written; the incremental middleware prepared those records in ``request.meta["defcorpus_fetch"]``.
Flags set by the guards (``defcorpus_paywall``) are recorded as a ``WARC-Defcorpus-Flags`` header.
Scrapy hands us decoded bodies, so ``Content-Encoding``/``Transfer-Encoding`` are dropped from the
recorded headers and ``Content-Length`` is set to the stored payload's length.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpus import layout
from corpus.store import Store, open_store
from corpus.warc_index import write_index
from crawlers.state import FetchRecord, write_segment

if TYPE_CHECKING:
    from typing import BinaryIO

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

_HOP_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}
SOFTWARE = "defcorpus/0.1 (Scrapy; warcio)"


class WarcWriter:
    def __init__(
        self,
        store: Store,
        crawl_id: str,
        max_bytes: int,
        stats: StatsCollector,
        max_records: int = 0,
        max_seconds: float = 0.0,
    ) -> None:
        self.store = store
        self.crawl_id = crawl_id
        self.max_bytes = max_bytes
        self.max_records = max_records
        self.max_seconds = max_seconds
        self.stats = stats
        self.site = ""
        self.keys: list[str] = []
        self._tmpdir = tempfile.TemporaryDirectory(prefix="defcorpus-warc-")
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._records: list[FetchRecord] = []  # state of the articles in the open file
        self._responses = 0
        self._opened_at = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriter:
        settings = crawler.settings
        if not settings.getbool("DEFCORPUS_WARC_ENABLED"):
            raise NotConfigured("DEFCORPUS_WARC_ENABLED is off")
        crawl_id = settings.get("DEFCORPUS_CRAWL_ID") or layout.new_run_id()
        max_bytes = settings.getint("DEFCORPUS_WARC_MAX_BYTES")
        max_records = settings.getint("DEFCORPUS_WARC_MAX_RECORDS")
        max_seconds = settings.getfloat("DEFCORPUS_WARC_MAX_SECONDS")
        if max_bytes <= 0 or max_records < 0 or max_seconds < 0:
            raise NotConfigured("DEFCORPUS_WARC_MAX_BYTES must be positive, MAX_RECORDS/MAX_SECONDS >= 0")
        store = open_store(settings["DEFCORPUS_STORE"], s3_endpoint_url=settings["DEFCORPUS_S3_ENDPOINT_URL"])
        assert crawler.stats is not None
        ext = cls(store, crawl_id, max_bytes, crawler.stats, max_records, max_seconds)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.site = spider.site_config.name  # type: ignore[attr-defined]
        self.stats.set_value("defcorpus/crawl_id", self.crawl_id)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        writer = self._writer or self._open_file()
        fetched = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        response_record = writer.create_warc_record(
            response.url,
            "response",
            payload=BytesIO(response.body),
            length=len(response.body),
            http_headers=_response_headers(response),
            warc_headers_dict=_warc_headers(fetched, response, request),
        )
        request_record = writer.create_warc_record(
            request.url,
            "request",
            payload=BytesIO(request.body or b""),
            http_headers=_request_headers(request),
            warc_headers_dict={
                "WARC-Date": fetched,
                "WARC-Concurrent-To": response_record.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(request_record)
        writer.write_record(response_record)
        self.stats.inc_value("warc/records", 2)
        self._responses += 1
        draft = request.meta.get("defcorpus_fetch")
        if draft:
            key = layout.raw_warc_key(self.site, self.crawl_id, len(self.keys))
            self._records.append(FetchRecord(fetched_at=fetched, warc_key=key, **draft))
        if self._full():
            self._close_file()

    def _full(self) -> bool:
        assert self._fh is not None
        return (
            self._fh.tell() >= self.max_bytes
            or (self.max_records > 0 and self._responses >= self.max_records)
            or (self.max_seconds > 0 and time.monotonic() - self._opened_at >= self.max_seconds)
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self._close_file()
        self.stats.set_value("warc/keys", list(self.keys))
        self._tmpdir.cleanup()

    def _open_file(self) -> WARCWriter:
        path = Path(self._tmpdir.name) / f"{len(self.keys):05d}.warc.gz"
        self._fh = path.open("wb")
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        self._opened_at = time.monotonic()
        self._responses = 0
        info = {
            "software": SOFTWARE,
            "format": "WARC File Format 1.1",
            "isPartOf": f"{self.site}/{self.crawl_id}",
        }
        self._writer.write_record(self._writer.create_warcinfo_record(path.name, info))
        return self._writer

    def _close_file(self) -> None:
        if self._fh is None:
            return
        self._fh.close()
        path = Path(self._fh.name)
        seq = len(self.keys)
        key = layout.raw_warc_key(self.site, self.crawl_id, seq)
        if self._records:
            # State first: a segment whose WARC file is missing is ignored, never the other way round.
            write_segment(self.store, self.site, self.crawl_id, seq, self._records)
            self.stats.inc_value("incremental/state_records", len(self._records))
            self._records = []
        self.store.upload_file(key, path, if_absent=True)
        write_index(self.store, key, path)
        self.stats.inc_value("warc/files")
        self.stats.inc_value("warc/bytes", path.stat().st_size)
        logger.info("WARC file written: %s", self.store.uri(key))
        self.keys.append(key)
        path.unlink()
        self._fh = None
        self._writer = None


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


def _reasons() -> dict[int, str]:
    from http import HTTPStatus

    return {status.value: status.phrase for status in HTTPStatus}


_REASONS = _reasons()

"""Write every fetched response, with its request, to ISO 28500 WARC files in the store.

Files are written locally, then uploaded whole (create-only) when they reach
``DEFCORPUS_WARC_MAX_BYTES`` or the crawl closes, so the store never holds a partial WARC file.
Scrapy hands us decoded bodies, so ``Content-Encoding``/``Transfer-Encoding`` are dropped from the
recorded headers and ``Content-Length`` is set to the stored payload's length.
"""

from __future__ import annotations

import logging
import tempfile
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
    def __init__(self, store: Store, crawl_id: str, max_bytes: int, stats: StatsCollector) -> None:
        self.store = store
        self.crawl_id = crawl_id
        self.max_bytes = max_bytes
        self.stats = stats
        self.site = ""
        self.keys: list[str] = []
        self._tmpdir = tempfile.TemporaryDirectory(prefix="defcorpus-warc-")
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriter:
        settings = crawler.settings
        if not settings.getbool("DEFCORPUS_WARC_ENABLED"):
            raise NotConfigured("DEFCORPUS_WARC_ENABLED is off")
        crawl_id = settings.get("DEFCORPUS_CRAWL_ID") or layout.new_run_id()
        max_bytes = settings.getint("DEFCORPUS_WARC_MAX_BYTES")
        if max_bytes <= 0:
            raise NotConfigured("DEFCORPUS_WARC_MAX_BYTES must be positive")
        store = open_store(settings.get("DEFCORPUS_STORE"), s3_endpoint_url=settings.get("DEFCORPUS_S3_ENDPOINT_URL"))
        assert crawler.stats is not None
        ext = cls(store, crawl_id, max_bytes, crawler.stats)
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
            warc_headers_dict=_warc_headers(fetched, response),
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
        assert self._fh is not None
        if self._fh.tell() >= self.max_bytes:
            self._close_file()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self._close_file()
        self.stats.set_value("warc/keys", list(self.keys))
        self._tmpdir.cleanup()

    def _open_file(self) -> WARCWriter:
        path = Path(self._tmpdir.name) / f"{len(self.keys):05d}.warc.gz"
        self._fh = path.open("wb")
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        info = {"software": SOFTWARE, "format": "WARC File Format 1.1", "isPartOf": f"{self.site}/{self.crawl_id}"}
        self._writer.write_record(self._writer.create_warcinfo_record(path.name, info))
        return self._writer

    def _close_file(self) -> None:
        if self._fh is None:
            return
        self._fh.close()
        path = Path(self._fh.name)
        key = layout.raw_warc_key(self.site, self.crawl_id, len(self.keys))
        self.store.upload_file(key, path, if_absent=True)
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


def _warc_headers(fetched: str, response: Response) -> dict[str, Any]:
    headers = {"WARC-Date": fetched}
    if response.ip_address is not None:
        headers["WARC-IP-Address"] = str(response.ip_address)
    return headers


def _reasons() -> dict[int, str]:
    from http import HTTPStatus

    return {status.value: status.phrase for status in HTTPStatus}


_REASONS = _reasons()

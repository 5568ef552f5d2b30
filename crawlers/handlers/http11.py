"""Scrapy's HTTP/1.1 download handler with a cap on the response's header section.

Why: Twisted's HTTP client limits each header line (16 KiB, ``LineReceiver.MAX_LENGTH``) but not how
many lines a response sends, and Scrapy's ``DOWNLOAD_MAXSIZE`` counts body bytes only. A server that
answers with 20,000 ``Set-Cookie`` lines, or header lines without end, had the crawl hold every line
until the download timeout (1.6 GB of RSS in a minute). Twisted's server side has such limits
(``maxHeaders``, ``totalHeadersSize``); its client does not, so the response parser is a small
subclass of Scrapy's own that counts the lines and bytes of the header section and stops the
download past ``DEFCORPUS_HEADERS_MAX_COUNT`` lines or ``DEFCORPUS_HEADERS_MAX_BYTES`` bytes (a line
longer than Twisted's limit counts as too large too).

A refused response is counted as ``download/refused/<reason>`` (``too_many_headers``,
``headers_too_large``) and logged; the request fails with ``ResponseRefused``, an ``IgnoreRequest``:
it is not retried (the same server would send the same flood) and the crawl report counts it as
refused, not as a network failure.

Scrapy builds its parser the same way (``_LenientHTTPClientParser`` by swapping the class of the
parser Twisted creates), so the subclasses below ride on Scrapy's private classes; the tests in
``tests/crawlers/test_header_limits.py`` break if an upgrade moves them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
)
from scrapy.exceptions import DownloadFailedError, IgnoreRequest
from twisted.web._newclient import HEADER, STATUS, ResponseFailed

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from twisted.internet.interfaces import IAddress
    from twisted.web._newclient import HTTP11ClientProtocol
    from twisted.web._newclient import Request as TxRequest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeaderLimits:
    """How many lines and bytes one response's header section may have (status line included)."""

    max_count: int
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> HeaderLimits:
        limits = cls(settings.getint("DEFCORPUS_HEADERS_MAX_COUNT"), settings.getint("DEFCORPUS_HEADERS_MAX_BYTES"))
        if limits.max_count < 1 or limits.max_bytes < 1:
            raise ValueError("DEFCORPUS_HEADERS_MAX_COUNT and DEFCORPUS_HEADERS_MAX_BYTES must be positive")
        return limits


class HeaderFloodError(Exception):
    """The response's header section went past a limit; raised inside the parser, which ends the download."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class ResponseRefused(IgnoreRequest):
    """The crawl refused a response (``reason`` is the stats key's last part)."""

    def __init__(self, reason: str, url: str, detail: str) -> None:
        super().__init__(f"response refused ({detail}): {url}")
        self.reason = reason


class _LimitedParser(_LenientHTTPClientParser):
    limits: HeaderLimits
    header_lines = 0
    header_bytes = 0

    def lineReceived(self, line: bytes) -> None:  # noqa: N802 (Twisted's name)
        if self.state in (STATUS, HEADER):  # the body arrives in raw mode; lines are the header section
            self.header_lines += 1
            self.header_bytes += len(line) + 1
            if self.header_lines > self.limits.max_count:
                raise HeaderFloodError("too_many_headers", f"more than {self.limits.max_count} header lines")
            if self.header_bytes > self.limits.max_bytes:
                raise HeaderFloodError("headers_too_large", f"headers over {self.limits.max_bytes} bytes")
        super().lineReceived(line)

    def lineLengthExceeded(self, line: bytes) -> None:  # noqa: N802
        # Twisted's own answer is to drop the connection, which Scrapy then retries as a network error.
        raise HeaderFloodError("headers_too_large", f"a header line over {self.MAX_LENGTH} bytes")


class _LimitedProtocol(_LenientHTTP11ClientProtocol):
    limits: HeaderLimits

    def request(self, request: TxRequest) -> Any:
        d = super().request(request)
        assert self._parser is not None  # as in Scrapy's protocol: request() always creates one
        self._parser.__class__ = _LimitedParser
        self._parser.limits = self.limits  # type: ignore[attr-defined]
        return d


class _LimitedFactory(_LenientHTTP11ClientFactory):
    def __init__(self, quiescentCallback: Any, metadata: Any, limits: HeaderLimits) -> None:  # noqa: N803
        super().__init__(quiescentCallback, metadata)
        self.limits = limits

    def buildProtocol(self, addr: IAddress | None) -> HTTP11ClientProtocol:  # noqa: N802 (Twisted's name)
        protocol = _LimitedProtocol(self._quiescentCallback)
        protocol.limits = self.limits
        return protocol


class HeaderLimitedDownloadHandler(HTTP11DownloadHandler):
    """``DOWNLOAD_HANDLERS`` for http and https; settings ``DEFCORPUS_HEADERS_MAX_COUNT``, ``_MAX_BYTES``."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.limits = HeaderLimits.from_settings(crawler.settings)
        # Scrapy builds each connection with _pool._factory(...): a partial carries our limits in.
        self._pool._factory = partial(_LimitedFactory, limits=self.limits)  # type: ignore[assignment]
        assert crawler.stats is not None
        self.stats = crawler.stats

    async def download_request(self, request: Request) -> Response:
        try:
            return await super().download_request(request)
        except DownloadFailedError as exc:
            flood = header_flood(exc)
            if flood is None:
                raise
            self.stats.inc_value("download/refused")
            self.stats.inc_value(f"download/refused/{flood.reason}")
            logger.warning("response refused (%s): %s", flood, request.url)
            raise ResponseRefused(flood.reason, request.url, str(flood)) from None


def header_flood(exc: BaseException) -> HeaderFloodError | None:
    """The ``HeaderFloodError`` behind a failed download (Scrapy wraps Twisted's ``ResponseFailed``), if any."""
    cause = exc.__cause__
    if not isinstance(cause, ResponseFailed):
        return None
    for failure in cause.reasons:
        if isinstance(failure.value, HeaderFloodError):
            return failure.value
    return None

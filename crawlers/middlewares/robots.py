"""Scrapy's RobotsTxtMiddleware, with RFC 9309's answer to a robots.txt that cannot be read.

Scrapy parses whatever robots.txt returns: a 503 error page or a failed download means no rules,
so a site whose server was failing was crawled as if it allowed everything. RFC 9309 §2.3.1.3-4
says otherwise: a robots.txt that is *unavailable* (4xx) allows all, one that is *unreachable*
(a server error after retries, or a network error) disallows all. So:

- 4xx (but 429): allow all; the error page's body is never read as rules.
- 5xx and 429 (as Google reads it: "too many requests" is the server's trouble, not a missing file),
  a download that failed after Scrapy's retries (a timeout, a reset: the server is struggling), or a
  bot check in its place (``BlockedPage``): complete disallow for that host for this crawl. Each
  request refused for it is counted as ``robotstxt/forbidden`` and ``robotstxt/forbidden/unreachable``;
  the host and why are in ``robotstxt/unreachable_hosts``, which the crawl report shows. The next
  crawl asks again.
- A host that cannot be connected to at all (DNS, connection refused) is left to Scrapy: asking it
  costs its server nothing, and its requests fail by themselves, which the crawl reports as failures
  ("reached nothing", "most requests failed").

Parsing stays Scrapy's (``ROBOTSTXT_PARSER``, Protego): the disallow-all rules are a robots.txt too.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from crawlers.middlewares.guards import BlockedPage

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
_NO_CONNECTION = (CannotResolveHostError, DownloadConnectionRefusedError)


def unreachable_status(status: int) -> bool:
    return status >= 500 or status == 429


class Rfc9309RobotsTxtMiddleware(RobotsTxtMiddleware):
    """Replaces Scrapy's (same settings: ``ROBOTSTXT_OBEY``, ``ROBOTSTXT_USER_AGENT``, ``ROBOTSTXT_PARSER``)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.unreachable: dict[str, str] = {}  # netloc -> why its robots.txt could not be read

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        why = self.unreachable.get(netloc)
        if why is not None:
            self._stats.inc_value("robotstxt/forbidden")
            self._stats.inc_value("robotstxt/forbidden/unreachable")
            raise IgnoreRequest(f"robots.txt of {netloc} unreachable ({why}): all of it disallowed (RFC 9309)")
        super().process_request_2(rp, request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if unreachable_status(response.status):
            self._mark_unreachable(netloc, f"HTTP {response.status}")
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:  # unavailable: allow all, whatever the error page says
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        refused = isinstance(exc, IgnoreRequest) and not isinstance(exc, BlockedPage)  # by the crawl itself
        if refused or isinstance(exc, _NO_CONNECTION):
            super()._robots_error(exc, netloc)  # Scrapy's way: no rules
            return
        if not isinstance(exc, IgnoreRequest):
            self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._mark_unreachable(netloc, type(exc).__name__)
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        waiting = self._parsers[netloc]
        assert isinstance(waiting, Deferred)
        self._parsers[netloc] = parser
        waiting.callback(parser)

    def _mark_unreachable(self, netloc: str, why: str) -> None:
        self.unreachable[netloc] = why
        self._stats.inc_value("robotstxt/unreachable")
        hosts = self._stats.get_value("robotstxt/unreachable_hosts", [])
        self._stats.set_value("robotstxt/unreachable_hosts", [*hosts, f"{netloc} ({why})"])
        logger.warning(
            "robots.txt of %s unreachable (%s): nothing on the host is fetched this crawl (RFC 9309 §2.3.1.4)",
            netloc,
            why,
        )

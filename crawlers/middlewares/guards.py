"""Guards on what comes back: bot checks and soft 404s are recorded as blocked and dropped; paywall
stubs and short pages are flagged.

A bot check or JavaScript challenge ("Just a moment...", a CAPTCHA interstitial, an empty 200), or a
200 that says "Page not found" (a soft 404), is not the page we asked for (``crawlers.blocks`` tells
them): it is counted under ``guard/blocked/<reason>`` and dropped with ``BlockedPage`` (an
``IgnoreRequest``), so it reaches neither the WARC files nor the spider and the URL is asked for
again on the next run. After ``DEFCORPUS_GUARD_CLOSE_AFTER`` bot checks in a row the crawl stops with
reason ``blocked`` instead of hammering a site that refuses us.

A paywall stub is a real response of the site; it is kept, flagged in ``request.meta`` as
``defcorpus_paywall`` (the WARC record and the crawl item carry the flag) and counted as
``guard/paywall``. Any other article page with fewer words than ``DEFCORPUS_GUARD_SHORT_WORDS`` (a
placeholder: a headline and "story to follow") is kept too, flagged ``defcorpus_short`` and counted
as ``guard/short``; the incremental middleware asks for it again on the next runs. The guard sits
before RetryMiddleware in the response chain (order < 550), so a challenge served as 503 is retried
first and only counted once retries are exhausted.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawlers.blocks import block_reason, text_words

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

_NOT_FREE_KEY = b"isaccessibleforfree"  # a page without it is free: the regex below need not run
_NOT_FREE = re.compile(rb"""["']isaccessibleforfree["']\s*:\s*["']?false""")
# A soft 404 is the site's own answer, not a refusal of us: it never stops the crawl.
_NOT_REFUSALS = ("soft_404",)


class BlockedPage(IgnoreRequest):
    """A bot check, a challenge or a soft 404 stood in for the page requested."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"blocked ({reason}): {url}")
        self.reason = reason


class PageGuardMiddleware:
    """Settings: ``DEFCORPUS_GUARD_ENABLED``, ``DEFCORPUS_GUARD_MIN_BYTES`` (an article body shorter than
    this is "empty"), ``DEFCORPUS_GUARD_SHORT_WORDS``, ``DEFCORPUS_GUARD_CLOSE_AFTER``,
    ``DEFCORPUS_PAYWALL_MARKERS``."""

    def __init__(
        self, crawler: Crawler, min_bytes: int, close_after: int, paywall_markers: list[str], short_words: int = 0
    ) -> None:
        self.crawler = crawler
        self.min_bytes = min_bytes
        self.close_after = close_after
        self.paywall_markers = [m.encode() for m in paywall_markers if m]
        self.short_words = short_words
        self.blocked_in_a_row = 0
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageGuardMiddleware:
        settings = crawler.settings
        if not settings.getbool("DEFCORPUS_GUARD_ENABLED"):
            raise NotConfigured("DEFCORPUS_GUARD_ENABLED is off")
        min_bytes = settings.getint("DEFCORPUS_GUARD_MIN_BYTES")
        close_after = settings.getint("DEFCORPUS_GUARD_CLOSE_AFTER")
        short_words = settings.getint("DEFCORPUS_GUARD_SHORT_WORDS")
        if min(min_bytes, close_after, short_words) < 0:
            raise NotConfigured("DEFCORPUS_GUARD_MIN_BYTES, _CLOSE_AFTER and _SHORT_WORDS must be >= 0")
        markers = settings.getlist("DEFCORPUS_PAYWALL_MARKERS")
        return cls(crawler, min_bytes, close_after, markers, short_words)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        stats = self.crawler.stats
        assert stats is not None
        reason = block_reason(
            response, is_article=bool(request.meta.get("defcorpus_article")), min_bytes=self.min_bytes
        )
        if reason:
            stats.inc_value("guard/blocked")
            stats.inc_value(f"guard/blocked/{reason}")
            logger.warning("blocked (%s, HTTP %d): %s", reason, response.status, response.url)
            if reason in _NOT_REFUSALS:
                raise BlockedPage(reason, response.url)
            self.blocked_in_a_row += 1
            if self.close_after and self.blocked_in_a_row >= self.close_after and not self.closing:
                self.closing = True
                logger.error("%d blocked responses in a row: stopping the crawl", self.blocked_in_a_row)
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="blocked"))
            raise BlockedPage(reason, response.url)
        self.blocked_in_a_row = 0
        if request.meta.get("defcorpus_article") and response.status == 200:
            if self.is_paywalled(response):  # short for good: never flagged short, so not asked again
                request.meta["defcorpus_paywall"] = True
                stats.inc_value("guard/paywall")
            elif self.short_words and text_words(response.body) < self.short_words:
                request.meta["defcorpus_short"] = True
                stats.inc_value("guard/short")
        return response

    def is_paywalled(self, response: Response) -> bool:
        body = response.body
        lowered = body.lower()
        if _NOT_FREE_KEY in lowered and _NOT_FREE.search(lowered):
            return True
        return any(marker in body for marker in self.paywall_markers)

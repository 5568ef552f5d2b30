"""Back off before retrying, and pause a host that answers 429/503 with ``Retry-After``.

Scrapy's RetryMiddleware decides *whether* to retry (5xx, 408, 429, timeouts, connection resets) and
re-queues at once; Scrapy 2.19 neither waits between attempts nor reads ``Retry-After``. This
middleware adds only the *when*: a retried request waits ``base * 2**(attempt-1)`` seconds (capped,
with jitter), and a ``Retry-After`` on a 429 or 503 pauses every request to that host until then.
It sits after RetryMiddleware (order > 550), so it sees a 429/503 before the retry is scheduled.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached

from corpus.dates import parse_retry_after

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = (429, 503)


class BackoffMiddleware:
    """Settings: ``DEFCORPUS_BACKOFF_ENABLED``, ``DEFCORPUS_BACKOFF_BASE``, ``DEFCORPUS_BACKOFF_MAX``,
    ``DEFCORPUS_RETRY_AFTER_MAX``. Meta: ``defcorpus_no_backoff`` skips the wait for one request."""

    def __init__(self, crawler: Crawler, base: float, max_backoff: float, retry_after_max: float) -> None:
        self.crawler = crawler
        self.base = base
        self.max_backoff = max_backoff
        self.retry_after_max = retry_after_max
        self.paused_until: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        settings = crawler.settings
        if not settings.getbool("DEFCORPUS_BACKOFF_ENABLED"):
            raise NotConfigured("DEFCORPUS_BACKOFF_ENABLED is off")
        base = settings.getfloat("DEFCORPUS_BACKOFF_BASE")
        max_backoff = settings.getfloat("DEFCORPUS_BACKOFF_MAX")
        retry_after_max = settings.getfloat("DEFCORPUS_RETRY_AFTER_MAX")
        if base < 0 or max_backoff < base or retry_after_max < 0:
            raise NotConfigured("need 0 <= DEFCORPUS_BACKOFF_BASE <= DEFCORPUS_BACKOFF_MAX, RETRY_AFTER_MAX >= 0")
        return cls(crawler, base, max_backoff, retry_after_max)

    @staticmethod
    def _slot_key(request: Request) -> str:
        # Scrapy's default download slot: the ``download_slot`` meta key, else the host name.
        return request.meta.get("download_slot") or urlparse_cached(request).hostname or ""

    def wait_for(self, request: Request, now: float) -> float:
        """Seconds ``request`` must wait: the host's Retry-After pause or its own retry backoff."""
        if request.meta.get("defcorpus_no_backoff"):
            return 0.0
        pause = self.paused_until.get(self._slot_key(request), now) - now
        attempt = int(request.meta.get("retry_times", 0))
        backoff = 0.0
        if attempt > 0:
            # Full exponential step with up to 50 % jitter, so retries of many URLs do not align.
            step = min(self.base * 2 ** (attempt - 1), self.max_backoff)
            backoff = step * (0.5 + random.random() / 2)
        return max(pause, backoff, 0.0)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        wait = self.wait_for(request, time.monotonic())
        if wait > 0:
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("backoff/waits")
            stats.set_value("backoff/wait_seconds", round(stats.get_value("backoff/wait_seconds", 0) + wait, 3))
            logger.debug("waiting %.2f s before %s", wait, request)
            await sleep(wait)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if response.status in RETRY_AFTER_STATUSES:
            delay = parse_retry_after(response.headers.get(b"Retry-After"), datetime.now(UTC))
            if delay is not None:
                delay = min(delay, self.retry_after_max)
                key = self._slot_key(request)
                until = time.monotonic() + delay
                self.paused_until[key] = max(self.paused_until.get(key, 0.0), until)
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value(f"backoff/retry_after/{response.status}")
                logger.info("%s asked to wait %.1f s (Retry-After, HTTP %d)", key, delay, response.status)
        return response

"""Keep the crawl's lease (``state/<site>/crawl.lease``) for as long as the crawl runs.

Why a lease on crawls: two crawls of one site at once (a schedule and a hand-started backfill, or a
retried task whose first attempt still runs) would fetch every page twice and double the load on the
publisher's server. ``python -m crawlers`` takes the lease before the first request (``corpus.lease``);
this keeper renews it on the reactor's clock, in a thread because the store blocks, so a crawl that
runs for days keeps it while a dead crawl's lease runs out after ``DEFCORPUS_CRAWL_LEASE_TTL``. If the
lease was lost anyway (the store was unreachable past the TTL and another crawl took over), the crawl
stops with finish reason ``lease_lost``: what it stored is kept, and the rest is the other crawl's.
"""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task, threads
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from corpus.errors import LeaseLostError
from corpus.lease import Lease

logger = logging.getLogger(__name__)


class LeaseKeeper:
    """Renew ``lease`` every ``interval`` seconds from the engine's start to the spider's close."""

    def __init__(self, crawler: Crawler, lease: Lease, interval: float) -> None:
        self.crawler, self.lease, self.interval = crawler, lease, interval
        self._loop: task.LoopingCall | None = None  # made once the reactor runs: making it would install one
        crawler.signals.connect(self._start, signal=signals.engine_started)
        crawler.signals.connect(self._stop, signal=signals.spider_closed)

    def _start(self) -> None:
        self._loop = task.LoopingCall(self._renew)
        self._loop.start(self.interval, now=False)

    def _stop(self, spider: Spider | None = None, reason: str = "") -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()

    def _renew(self) -> Deferred[None]:
        """The next renewal waits for this one (LoopingCall waits on the returned Deferred)."""
        renewing: Deferred[None] = threads.deferToThread(self.lease.renew)
        return renewing.addCallbacks(self._renewed, self._failed)

    def _renewed(self, _: None) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("lease/renewals")

    def _failed(self, failure: Failure) -> None:
        stats = self.crawler.stats
        assert stats is not None and self.crawler.engine is not None
        if failure.check(LeaseLostError):
            logger.error("%s", failure.value)
            stats.set_value("lease/lost", 1)
            self._stop()
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="lease_lost"))
            return
        stats.inc_value("lease/renew_errors")
        logger.warning("could not renew the crawl lease: %s; trying again in %.0f s", failure.value, self.interval)

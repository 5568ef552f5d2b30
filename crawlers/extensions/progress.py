"""Tell the parent process how far the crawl is, as it happens: one line per change, at most twice a second.

Why: the CLI showed progress from Scrapy's LogStats line, which comes once a minute, so a short crawl
showed nothing until it ended. This extension listens to ``response_received`` and ``item_scraped``
and writes ``PROGRESS_PREFIX pages=N articles=M`` to stdout (the counters the crawl report gives as
``pages_fetched``/``articles_fetched``); ``crawlers.runner`` reads these lines and keeps them out of the log.
Off unless ``DEFCORPUS_PROGRESS_ENABLED`` (the runner sets it for its child).
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

PROGRESS_PREFIX = "defcorpus-progress"


class CrawlProgress:
    """Count responses and items; write a line when they changed and ``interval`` seconds have passed."""

    def __init__(self, interval: float, out: IO[str] | None = None) -> None:
        if interval < 0:
            raise NotConfigured("DEFCORPUS_PROGRESS_INTERVAL must be >= 0")
        self.interval, self.out = interval, out or sys.stdout
        self.pages = self.articles = 0
        self._written: tuple[int, int] | None = None
        self._last = float("-inf")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        if not crawler.settings.getbool("DEFCORPUS_PROGRESS_ENABLED"):
            raise NotConfigured
        extension = cls(crawler.settings.getfloat("DEFCORPUS_PROGRESS_INTERVAL"))
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def response_received(self, **_: Any) -> None:
        self.pages += 1
        self._maybe_write()

    def item_scraped(self, **_: Any) -> None:
        self.articles += 1
        self._maybe_write()

    def spider_closed(self, **_: Any) -> None:
        self._maybe_write(force=True)

    def _maybe_write(self, *, force: bool = False) -> None:
        now = time.monotonic()
        counts = (self.pages, self.articles)
        if counts == self._written or (not force and now - self._last < self.interval):
            return
        self.out.write(f"{PROGRESS_PREFIX} pages={self.pages} articles={self.articles}\n")
        self.out.flush()
        self._written, self._last = counts, now

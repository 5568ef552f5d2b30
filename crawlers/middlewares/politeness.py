"""Honour robots.txt ``Crawl-delay``: Scrapy obeys robots.txt rules but ignores the delay line.

Scrapy's RobotsTxtMiddleware fetches and parses robots.txt and sends ``robots_parsed``; this middleware
reads the parsed delay for our robots user agent from that signal and keeps the download slot's delay
at least that long. AutoThrottle may lower a slot's delay after a fast response, so the floor is
re-applied before every request to the host. Scrapy randomises each wait by the slot's jitter
(±50 % by default), so the slot delay is raised until even the shortest randomised wait is the
Crawl-delay.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class CrawlDelayMiddleware:
    """Downloader middleware; settings: ``DEFCORPUS_CRAWL_DELAY_ENABLED``, ``DEFCORPUS_CRAWL_DELAY_MAX``."""

    def __init__(self, crawler: Crawler, max_delay: float, user_agent: str) -> None:
        self.crawler = crawler
        self.max_delay = max_delay
        self.user_agent = user_agent
        self.floors: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        settings = crawler.settings
        if not settings.getbool("DEFCORPUS_CRAWL_DELAY_ENABLED") or not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("robots.txt Crawl-delay is off")
        max_delay = settings.getfloat("DEFCORPUS_CRAWL_DELAY_MAX")
        if max_delay <= 0:
            raise NotConfigured("DEFCORPUS_CRAWL_DELAY_MAX must be positive")
        user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        mw = cls(crawler, max_delay, user_agent)
        crawler.signals.connect(mw.robots_parsed, signal=signals.robots_parsed)
        return mw

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        delay = crawl_delay(robotparser, self.user_agent)
        if delay is None:
            return
        # A huge Crawl-delay would stall the crawl for good; cap it and say so.
        if delay > self.max_delay:
            logger.warning("robots.txt Crawl-delay %.1f s capped at %.1f s", delay, self.max_delay)
            delay = self.max_delay
        self.floors[urlsplit(request.url).netloc] = delay
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("politeness/crawl_delay", delay)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        floor = self.floors.get(urlsplit(request.url).netloc)
        if floor is None:
            return
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is None:
            return
        if slot.jitter >= 1:
            slot.jitter = 0.0
        needed = floor / (1 - slot.jitter)
        if slot.delay < needed:
            slot.delay = needed


def crawl_delay(robotparser: Any, user_agent: str) -> float | None:
    """The Crawl-delay for ``user_agent`` from Scrapy's Protego wrapper (``.rp``), if any."""
    parser = getattr(robotparser, "rp", None)
    if parser is None or not hasattr(parser, "crawl_delay"):
        return None
    delay = parser.crawl_delay(user_agent)
    return float(delay) if delay is not None else None

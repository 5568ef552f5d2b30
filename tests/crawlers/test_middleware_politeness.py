"""CrawlDelayMiddleware in isolation: the delay Protego reads for our robots user agent."""

from __future__ import annotations

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawlers.middlewares.politeness import CrawlDelayMiddleware, crawl_delay


@pytest.mark.parametrize(
    ("robots", "delay"),
    [
        (b"User-agent: *\nCrawl-delay: 5\n", 5.0),
        (b"User-agent: defcorpus\nCrawl-delay: 2.5\n\nUser-agent: *\nCrawl-delay: 30\n", 2.5),
        (b"User-agent: otherbot\nCrawl-delay: 9\n", None),
        (b"User-agent: *\nDisallow: /private/\n", None),
    ],
)
def test_crawl_delay_for_our_agent(robots: bytes, delay: float | None) -> None:
    parser = ProtegoRobotParser(robots, None)
    assert crawl_delay(parser, "defcorpus") == delay


def test_delay_is_capped() -> None:
    from scrapy import Request

    crawler = get_crawler(
        settings_dict={
            "ROBOTSTXT_OBEY": True,
            "DEFCORPUS_CRAWL_DELAY_ENABLED": True,
            "DEFCORPUS_CRAWL_DELAY_MAX": 10.0,
            "ROBOTSTXT_USER_AGENT": "defcorpus",
        }
    )
    mw = build_from_crawler(CrawlDelayMiddleware, crawler)
    mw.robots_parsed(ProtegoRobotParser(b"User-agent: *\nCrawl-delay: 3600\n", None), Request("https://example.com/a"))
    assert mw.floors == {"example.com": 10.0}


@pytest.mark.parametrize(
    "settings",
    [{"ROBOTSTXT_OBEY": False}, {"DEFCORPUS_CRAWL_DELAY_ENABLED": False}, {"DEFCORPUS_CRAWL_DELAY_MAX": 0}],
)
def test_not_configured(settings: dict[str, object]) -> None:
    base = {"ROBOTSTXT_OBEY": True, "DEFCORPUS_CRAWL_DELAY_ENABLED": True, "DEFCORPUS_CRAWL_DELAY_MAX": 60.0}
    with pytest.raises(NotConfigured):
        build_from_crawler(CrawlDelayMiddleware, get_crawler(settings_dict={**base, **settings}))

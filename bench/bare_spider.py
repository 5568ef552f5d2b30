"""The crawl baseline: a bare Scrapy spider that fetches a list of URLs and throws the responses away.

    python -m bench.bare_spider URLS_FILE [--concurrency N]

Same Scrapy, same concurrency as our crawl with politeness off; no robots.txt, no WARC, no state.
Prints one JSON line: responses received and Scrapy's elapsed time.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response


class BareSpider(Spider):
    name = "bare"

    def __init__(self, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self) -> Any:
        for url in self.urls:
            yield Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response) -> Iterator[Any]:
        return iter(())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_spider", description=__doc__.splitlines()[0])
    parser.add_argument("urls_file")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    urls = Path(args.urls_file).read_text().split()
    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "ROBOTSTXT_OBEY": False,
            "TELNETCONSOLE_ENABLED": False,
            "CONCURRENT_REQUESTS": args.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "COOKIES_ENABLED": False,
        },
        install_root_handler=False,
    )
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, urls=urls)
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    print(
        json.dumps(
            {"pages": stats.get("response_received_count", 0), "elapsed": stats.get("elapsed_time_seconds", 0.0)}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

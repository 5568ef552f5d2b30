"""NewsSpider: discover a site's articles from its feeds and sitemaps, fetch them politely.

Discovery pages (robots.txt, sitemaps, feeds) and articles are all kept as WARC by the WarcWriter
extension; the spider's job is only to find article URLs inside the site's rules and the crawl window.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import Response
from scrapy.spiders import SitemapSpider
from scrapy.utils.sitemap import Sitemap

from crawlers.sites import SiteConfig, get_site
from crawlers.window import Window, parse_date

_FEED_ITEMS = "//*[local-name()='item' or local-name()='entry']"


class NewsSpider(SitemapSpider):
    name = "news"
    sitemap_rules: ClassVar = [("", "parse_article")]

    def __init__(
        self,
        site: str | None = None,
        sites_file: str | None = None,
        base_url: str | None = None,
        since: str | None = None,
        until: str | None = None,
        site_json: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if site_json:
            config = SiteConfig.model_validate(json.loads(site_json))
        elif site:
            config = get_site(site, Path(sites_file) if sites_file else None)
        else:
            raise ValueError("NewsSpider needs a site (-a site=NAME)")
        if base_url:
            config = config.with_base_url(base_url)
        self.site_config = config
        self.allowed_domains = list(config.allowed_domains)
        self.window = Window.from_strings(since, until)

    async def start(self) -> AsyncIterator[Any]:
        for url in self.site_config.source_urls("sitemap"):
            yield Request(url, self._parse_sitemap)
        for url in self.site_config.source_urls("rss"):
            yield Request(url, self.parse_feed)

    def sitemap_filter(self, entries: Sitemap) -> Iterable[dict[str, Any]]:  # type: ignore[override]
        for entry in entries:
            loc = entry.get("loc", "")
            lastmod = parse_date(entry.get("lastmod"))
            if entries.type == "sitemapindex":
                if self.window.may_contain_updates_after(lastmod):
                    yield entry
                else:
                    self.crawler.stats.inc_value("discovery/sitemap_skipped_by_window")
            elif self._wanted(loc, lastmod, source="sitemap"):
                yield entry

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """RSS 2.0 and Atom: an item's link and its publication date."""
        for item in response.xpath(_FEED_ITEMS):
            link = item.xpath("./*[local-name()='link']/text()").get() or item.xpath(
                "./*[local-name()='link'][not(@rel) or @rel='alternate']/@href"
            ).get()
            if not link:
                continue
            url = urljoin(response.url, link.strip())
            date_text = item.xpath(
                "./*[local-name()='pubDate' or local-name()='published' or local-name()='updated']/text()"
            ).get()
            if self._wanted(url, parse_date(date_text), source="feed"):
                yield Request(url, callback=self.parse_article)

    def _wanted(self, url: str, when: Any, *, source: str) -> bool:
        stats = self.crawler.stats
        if not self.site_config.is_article_url(url):
            stats.inc_value(f"discovery/{source}/not_article")
            return False
        if not (self.window.contains(when) and self.window.url_month_possible(url)):
            stats.inc_value(f"discovery/{source}/outside_window")
            return False
        stats.inc_value(f"discovery/{source}/article_urls")
        return True

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        """The page itself is already in the WARC file; the item is the crawl's record of it."""
        yield {"url": response.url, "status": response.status, "site": self.site_config.name}

"""NewsSpider: discover a site's articles from its feeds, sitemaps and archive pages; fetch them politely.

Discovery pages (robots.txt, sitemaps, feeds, archives) and articles are all kept as WARC by the
WarcWriter extension; the spider's job is only to find article URLs inside the site's rules and the
crawl window. Article requests carry ``defcorpus_article`` and the sitemap ``<lastmod>`` discovery saw
(``defcorpus_lastmod``) in their meta, which the incremental middleware uses to skip unchanged pages.
An article discovery could not place in the window (``crawlers.window``) carries
``defcorpus_check_date``: the page's own publication date decides whether it is this window's article.
Either way the page is stored, and the state then keeps later windows from fetching it again.
The sitemaps discovery follows from robots.txt and sitemap indexes are capped in depth and number
(``crawlers.budget``): an endless chain of indexes ends.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, Selector
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spiders import SitemapSpider
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from corpus.dates import parse_datetime
from crawlers.budget import DiscoveryBudget, DiscoveryLimits
from crawlers.feeds import feed_items
from crawlers.platforms import adapter_for, published_date
from crawlers.sites import SiteConfig, Source, resolve_site
from crawlers.window import Verdict, Window

_NEWS_URLS = "//*[local-name()='url']"
# Sitemaps may be up to 50 MB uncompressed (sitemaps.org); article pages are held to the site's limit.
SITEMAP_MAXSIZE = 64 * 1024 * 1024


class NewsSpider(SitemapSpider):
    name = "news"
    budget: DiscoveryBudget  # set in from_crawler, from the crawl's settings

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
        self.sitemap_rules = [("", "parse_article")]  # read by SitemapSpider.__init__
        super().__init__(**kwargs)
        config = resolve_site(site, site_json=site_json, sites_file=sites_file, base_url=base_url)
        self.site_config: SiteConfig = config
        self.allowed_domains = list(config.allowed_domains)
        self.window = Window.from_strings(since, until)
        self.platform = adapter_for(config.platform)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.budget = DiscoveryBudget(DiscoveryLimits.from_settings(crawler.settings))
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for index, source in enumerate(self.site_config.sources):
            for url in self._source_urls(source):
                yield self._discovery_request(url, index)

    def _source_urls(self, source: Source) -> list[str]:
        url = self.site_config.absolute(source.url)
        if source.type == "archive":
            return [url.replace("{page}", str(page)) for page in range(1, source.max_pages + 1)]
        return [url]

    def _discovered(self, response: Response, url: str, index: int) -> Iterator[Request]:
        """The request for a document another one names, unless the crawl's discovery budget is spent."""
        depth = response.meta.get("depth", 0) + 1  # "depth": set by Scrapy's DepthMiddleware
        if self.budget.admit(url, depth, self.crawler.stats):
            yield self._discovery_request(url, index)

    def _discovery_request(self, url: str, index: int) -> Request:
        source = self.site_config.sources[index]
        callback = {
            "rss": self.parse_feed,
            "sitemap": self.parse_sitemap,
            "news_sitemap": self.parse_sitemap,
            "archive": self.parse_archive,
        }[source.type]
        meta = {"defcorpus_source": index, "download_maxsize": SITEMAP_MAXSIZE}
        return Request(url, callback=callback, meta=meta)

    # ------------------------------------------------------------------ discovery

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """robots.txt, a sitemap index or a urlset; children keep their source's rules."""
        index = response.meta["defcorpus_source"]
        source = self.site_config.sources[index]
        stats = self.crawler.stats
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                yield from self._discovered(response, url, index)
            return
        body = self._get_sitemap_body(response)
        sitemap = Sitemap(body) if body else None
        if body is None or sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            stats.inc_value("discovery/sitemap/invalid")
            return
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                loc = entry.get("loc", "")
                if source.follow and not any(re.search(p, loc) for p in source.follow):
                    stats.inc_value("discovery/sitemap/not_followed")
                elif not self.window.may_contain_updates_after(parse_datetime(entry.get("lastmod"))):
                    stats.inc_value("discovery/sitemap/skipped_by_window")
                else:
                    yield from self._discovered(response, urljoin(response.url, loc), index)
            return
        news_dates = _news_publication_dates(body) if source.type == "news_sitemap" else {}
        for entry in sitemap:
            loc = entry.get("loc", "")
            lastmod = parse_datetime(entry.get("lastmod"))
            verdict = self._wanted(loc, source="sitemap", published=news_dates.get(loc), lastmod=lastmod)
            if verdict:
                yield self._article_request(urljoin(response.url, loc), index, verdict, lastmod=lastmod)

    def sitemap_filter(self, entries: Sitemap) -> Iterable[dict[str, Any]]:  # type: ignore[override]
        return entries  # unused: parse_sitemap replaces SitemapSpider's own parsing

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """RSS and Atom (``crawlers.feeds``): an item's link, publication date and (Atom ``updated``) last change."""
        index = response.meta["defcorpus_source"]
        for item in feed_items(response.body, response.url):
            verdict = self._wanted(item.url, source="feed", published=item.published, lastmod=item.updated)
            if verdict:
                yield self._article_request(item.url, index, verdict)

    def parse_archive(self, response: Response) -> Iterator[Request]:
        """An HTML listing page: every link that the article rules accept (no dates: URL month only)."""
        index = response.meta["defcorpus_source"]
        seen: set[str] = set()
        for href in response.xpath("//a/@href").getall():
            url = urljoin(response.url, href.strip()).split("#", 1)[0]
            if url in seen:
                continue
            seen.add(url)
            verdict = self._wanted(url, source="archive", count_rejects=False)
            if verdict:
                yield self._article_request(url, index, verdict)

    def _wanted(
        self,
        url: str,
        *,
        source: str,
        published: datetime | None = None,
        lastmod: datetime | None = None,
        count_rejects: bool = True,
    ) -> Verdict | None:
        """The window's verdict on an article URL (``inside`` or ``unknown``), or None if not wanted."""
        stats = self.crawler.stats
        if not self.site_config.is_article_url(url):
            if count_rejects:
                stats.inc_value(f"discovery/{source}/not_article")
            return None
        verdict = self.window.judge(url, published=published, lastmod=lastmod)
        if verdict == "outside":
            stats.inc_value(f"discovery/{source}/outside_window")
            return None
        if verdict == "unknown":
            stats.inc_value(f"discovery/{source}/date_unknown")
        stats.inc_value(f"discovery/{source}/article_urls")
        return verdict

    def _article_request(
        self, url: str, index: int, verdict: Verdict = "inside", *, lastmod: datetime | None = None
    ) -> Request:
        """``lastmod`` only from a sitemap's ``<lastmod>``: publication dates (feeds, news sitemaps) say
        nothing about later edits, so they never let the incremental middleware skip a page."""
        meta = {
            "defcorpus_article": True,
            "defcorpus_source": index,
            "defcorpus_lastmod": lastmod.isoformat() if lastmod else None,
            "defcorpus_check_date": verdict == "unknown",
        }
        return Request(url, callback=self.parse_article, meta=meta)

    # ------------------------------------------------------------------ articles

    def parse_article(self, response: Response) -> list[dict[str, Any]]:
        """The page itself is already in the WARC file; the item is the crawl's record of it.

        A list, not a generator: Scrapy checks a generator callback for ``return`` values by reading and
        parsing its source; its cache is keyed by weak references to bound methods and missed on most
        article responses (about 0.2 ms each).
        """
        stats = self.crawler.stats
        kind = self.platform.page_kind(response)
        if kind == "not_article":
            stats.inc_value("articles/not_article_page")
            return []
        if response.meta.get("defcorpus_check_date"):
            # Stored either way (the state keeps the next windows from asking again); only this
            # window's articles are this crawl's items.
            stats.inc_value("window/checked_after_fetch")
            if not self.window.contains(published_date(response.body)):
                stats.inc_value("window/outside_after_fetch")
                return []
        return [
            {
                "url": response.url,
                "status": response.status,
                "site": self.site_config.name,
                "paywall": bool(response.meta.get("defcorpus_paywall")),
                "kind": kind,
            }
        ]


def _news_publication_dates(body: bytes) -> dict[str, datetime]:
    """``<news:publication_date>`` per ``<loc>`` in a Google News sitemap."""
    dates: dict[str, datetime] = {}
    for node in Selector(text=body.decode("utf-8", "replace"), type="xml").xpath(_NEWS_URLS):
        loc = (node.xpath("./*[local-name()='loc']/text()").get() or "").strip()
        when = parse_datetime(node.xpath(".//*[local-name()='publication_date']/text()").get())
        if loc and when:
            dates[loc] = when
    return dates

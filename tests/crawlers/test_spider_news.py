"""NewsSpider's discovery callbacks in isolation: hand-made responses in, requests out."""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawlers import settings as project_settings
from crawlers.spiders.news import NewsSpider
from tests.support.site_configs import FEED, fixture_site

BASE = "https://news.example.com/"
SITE = fixture_site(
    "example",
    BASE,
    sources=(
        {"type": "sitemap", "url": "/robots.txt", "follow": [r"post-sitemap\d*\.xml"]},
        {"type": "news_sitemap", "url": "/news-sitemap.xml"},
        {"type": "archive", "url": "/latest/page/{page}/", "max_pages": 3},
        FEED,
    ),
    allow=r"^/\d{4}/\d{2}/[a-z0-9-]+/$",
)
# defcorpus's own settings as the crawl has them (get_crawler starts from Scrapy's defaults).
DEFCORPUS = {name: getattr(project_settings, name) for name in dir(project_settings) if name.startswith("DEFCORPUS_")}


def spider(since: str | None = None, until: str | None = None) -> NewsSpider:
    crawler = get_crawler(NewsSpider, settings_dict=DEFCORPUS)
    return NewsSpider.from_crawler(crawler, site_json=SITE.model_dump_json(), since=since, until=until)


def xml(url: str, body: str, source: int) -> XmlResponse:
    return XmlResponse(url, body=body.encode(), request=Request(url, meta={"defcorpus_source": source}))


async def start_requests(s: NewsSpider) -> list[Request]:
    return [r async for r in s.start()]


def test_start_walks_archive_pages_and_every_source() -> None:
    urls = [r.url for r in asyncio.run(start_requests(spider()))]
    assert urls == [
        BASE + "robots.txt",
        BASE + "news-sitemap.xml",
        BASE + "latest/page/1/",
        BASE + "latest/page/2/",
        BASE + "latest/page/3/",
        BASE + "feed/",
    ]


def test_robots_sitemap_lines_keep_their_source() -> None:
    robots = TextResponse(
        BASE + "robots.txt",
        body=b"Sitemap: https://news.example.com/sitemap_index.xml\n",
        request=Request(BASE + "robots.txt", meta={"defcorpus_source": 0}),
    )
    (request,) = list(spider().parse_sitemap(robots))
    assert request.url == BASE + "sitemap_index.xml" and request.meta["defcorpus_source"] == 0


def test_index_children_follow_only_matching() -> None:
    index = xml(
        BASE + "sitemap_index.xml",
        "<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        "<sitemap><loc>https://news.example.com/post-sitemap2.xml</loc></sitemap>"
        "<sitemap><loc>https://news.example.com/page-sitemap.xml</loc></sitemap></sitemapindex>",
        0,
    )
    s = spider()
    assert [r.url for r in s.parse_sitemap(index)] == [BASE + "post-sitemap2.xml"]
    assert s.crawler.stats.get_value("discovery/sitemap/not_followed") == 1


def test_news_sitemap_publication_dates_drive_the_window() -> None:
    body = (
        "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
        "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
        "<url><loc>https://news.example.com/2024/05/in-window/</loc><news:news><news:publication_date>"
        "2024-05-02T10:00:00Z</news:publication_date></news:news></url>"
        "<url><loc>https://news.example.com/2024/05/too-early/</loc><news:news><news:publication_date>"
        "2024-04-30T10:00:00Z</news:publication_date></news:news></url></urlset>"
    )
    requests = list(spider(since="2024-05-01").parse_sitemap(xml(BASE + "news-sitemap.xml", body, 1)))
    assert [r.url for r in requests] == [BASE + "2024/05/in-window/"]
    assert requests[0].meta["defcorpus_article"] is True
    assert requests[0].meta["defcorpus_lastmod"] is None  # a publication date says nothing about edits


def test_archive_page_yields_article_links_once() -> None:
    html = (
        b'<a href="/2024/05/one/">1</a><a href="/2024/05/one/#comments">1</a>'
        b'<a href="/category/air/">c</a><a href="https://elsewhere.org/2024/05/x/">x</a>'
    )
    page = HtmlResponse(
        BASE + "latest/page/1/", body=html, request=Request(BASE + "latest/page/1/", meta={"defcorpus_source": 2})
    )
    urls = [r.url for r in spider().parse_archive(page)]
    assert BASE + "2024/05/one/" in urls and len(urls) == len(set(urls))
    assert BASE + "category/air/" not in urls


def test_sitemap_lastmod_travels_with_the_request() -> None:
    body = (
        "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url>"
        "<loc>https://news.example.com/2024/05/edited/</loc><lastmod>2024-06-01T00:00:00Z</lastmod></url></urlset>"
    )
    (request,) = spider().parse_sitemap(xml(BASE + "post-sitemap.xml", body, 0))
    assert request.meta["defcorpus_lastmod"] == "2024-06-01T00:00:00+00:00"


def urlset(*entries: tuple[str, str]) -> str:
    urls = "".join(f"<url><loc>{BASE}{path}</loc><lastmod>{lastmod}</lastmod></url>" for path, lastmod in entries)
    return f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>"


def test_lastmod_after_the_window_does_not_drop_an_article_published_inside_it() -> None:
    body = urlset(("2024/05/edited-in-june/", "2024-06-02T00:00:00Z"), ("2024/04/old/", "2024-04-30T00:00:00Z"))
    s = spider(since="2024-05-01", until="2024-06-01")
    (request,) = s.parse_sitemap(xml(BASE + "post-sitemap.xml", body, 0))
    assert request.url == BASE + "2024/05/edited-in-june/"
    assert request.meta["defcorpus_check_date"] is False  # its URL month is inside the window
    assert s.crawler.stats.get_value("discovery/sitemap/outside_window") == 1


def test_an_article_discovery_cannot_place_is_fetched_and_judged_by_its_page() -> None:
    site = SITE.model_copy(update={"articles": SITE.articles.model_copy(update={"allow": [r"^/news/"]})})
    s = NewsSpider.from_crawler(
        get_crawler(NewsSpider, settings_dict=DEFCORPUS),
        site_json=site.model_dump_json(),
        since="2024-05-01",
        until="2024-06-01",
    )
    body = urlset(("news/inside/", "2024-06-02T00:00:00Z"), ("news/outside/", "2024-06-03T00:00:00Z"))
    requests = list(s.parse_sitemap(xml(BASE + "post-sitemap.xml", body, 0)))
    assert [r.meta["defcorpus_check_date"] for r in requests] == [True, True]
    assert s.crawler.stats.get_value("discovery/sitemap/date_unknown") == 2

    def page(request: Request, published: str) -> HtmlResponse:
        ld = f'<script type="application/ld+json">{{"@type": "NewsArticle", "datePublished": "{published}"}}</script>'
        return HtmlResponse(request.url, body=ld.encode(), request=request)

    inside, outside = requests
    assert [item["url"] for item in s.parse_article(page(inside, "2024-05-31T23:00:00Z"))] == [inside.url]
    assert s.parse_article(page(outside, "2024-04-30T10:00:00Z")) == []
    assert s.crawler.stats.get_value("window/checked_after_fetch") == 2
    assert s.crawler.stats.get_value("window/outside_after_fetch") == 1


def test_atom_updated_is_a_last_change_not_a_publication_date() -> None:
    feed = (
        "<feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<entry><link href='{BASE}2024/05/updated-later/'/><updated>2024-06-02T00:00:00Z</updated></entry>"
        f"<entry><link href='{BASE}2024/05/old-news/'/><published>2024-04-30T00:00:00Z</published>"
        "<updated>2024-05-02T00:00:00Z</updated></entry></feed>"
    )
    requests = list(spider(since="2024-05-01", until="2024-06-01").parse_feed(xml(BASE + "feed/", feed, 3)))
    assert [r.url for r in requests] == [BASE + "2024/05/updated-later/"]

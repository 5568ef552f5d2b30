"""The mini-site's article markup and site-wide structure: head, JSON-LD, body, chrome, links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from defcorpus.minisite import build_site
from defcorpus.minisite.content import Article
from tests.support import minisite_facts as facts
from tests.support.minisite_pages import BASE, CONTENT, HTML_PATHS, SITE, block_texts, html_of, json_ld, meta, norm

# ------------------------------------------------------------------------------ article markup


@pytest.mark.parametrize("post", CONTENT.articles, ids=lambda a: a.slug)
def test_article_head_metadata(post: Article) -> None:
    doc, url = html_of(post.path), BASE + post.path
    assert doc.xpath('//link[@rel="canonical"]/@href') == [url]
    assert SITE[post.path].body.startswith(b"<!DOCTYPE html>") and doc.get("lang") == "en-US"
    assert meta(doc, "og:type") == ["article"] and meta(doc, "og:url") == [url]
    assert meta(doc, "og:site_name") == ["19FortyFive"] and meta(doc, "og:title") == [post.headline]
    assert meta(doc, "og:image") == [BASE + post.image_path]
    assert meta(doc, "article:published_time") == [post.date_published.isoformat()]
    assert meta(doc, "article:modified_time") == [post.date_modified.isoformat()]
    assert meta(doc, "article:section") == [post.section.name]
    assert meta(doc, "article:tag") == list(post.tags)
    assert meta(doc, "author") == [post.author.name]
    assert meta(doc, "twitter:card") == ["summary_large_image"]
    assert doc.xpath('//link[@type="application/rss+xml"]/@href') == [f"{BASE}/feed/"]


@pytest.mark.parametrize("post", CONTENT.articles, ids=lambda a: a.slug)
def test_article_json_ld(post: Article) -> None:
    graph = json_ld(post.path)
    news, person = graph["NewsArticle"], graph["Person"]
    assert news["headline"] == post.headline and news["articleSection"] == [post.section.name]
    assert news["datePublished"] == post.date_published.isoformat()
    assert news["dateModified"] == post.date_modified.isoformat()
    assert news["keywords"] == list(post.tags)
    assert news["author"]["@id"] == person["@id"] and person["name"] == post.author.name
    assert person["description"] == post.author.box
    assert graph["ImageObject"]["url"] == BASE + post.image_path
    assert {"WebPage", "BreadcrumbList", "WebSite", "Organization"} <= set(graph)


@pytest.mark.parametrize("post", CONTENT.articles, ids=lambda a: a.slug)
def test_article_body_holds_blocks_teasers_newsletter_and_bios(post: Article) -> None:
    (body,) = html_of(post.path).xpath('//div[contains(@class,"zox-post-body")]')
    rendered, expected = block_texts(body), facts.expected_body(post).split("\n\n")
    assert [t for t in rendered if t in expected] == expected
    assert rendered[2].startswith("Up Next: ") and rendered[5].startswith("Don't Miss: ")
    assert rendered[-len(post.bios) :] == facts.pasted_bios(post)
    assert body.xpath('.//div[contains(@class,"zox-post-newsletter")]')
    assert body.xpath("./p/strong/following-sibling::a/@href")[0].startswith(BASE + "/20")


def test_article_chrome_around_the_body() -> None:
    doc = html_of(CONTENT.public[0].path)
    text = norm(doc.text_content())
    needles = ("Connect with us", "Hi, what are you looking for?", "Click to comment", "You may also like")
    assert all(needle in text for needle in needles)
    assert doc.xpath('//div[contains(@class,"zox-search-wrap")]//form')
    assert doc.xpath('//div[contains(@class,"zox-post-tags")]//a[@rel="tag"]')
    assert doc.xpath('//div[contains(@class,"zox-author-box")]//img')
    assert len(doc.xpath('//div[contains(@class,"zox-post-more-wrap")]//h2')) == 3
    footer = norm(doc.xpath("//footer")[0].text_content())
    assert footer.endswith("© 2023 19FortyFive – All rights reserved.")


def test_chrome_strings_are_printed_on_article_pages() -> None:
    texts = " ".join(norm(html_of(a.path).text_content()) for a in CONTENT.articles)
    attributes = " ".join(html_of(CONTENT.public[0].path).xpath("//input/@value"))
    assert all(s in texts or s in attributes for s in facts.chrome_strings())
    assert all(s in texts for s in facts.bio_sentences() + facts.captions())


@pytest.mark.parametrize("path", HTML_PATHS)
def test_footer_shows_no_date_but_the_copyright_year(path: str) -> None:
    footer = norm(html_of(path).xpath("//footer")[0].text_content())
    assert re.findall(r"\b\d{4}\b", footer) == ["2023"]
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    assert not re.search(months, footer)


# --------------------------------------------------------------------------- site-wide checks


def _internal_links(path: str) -> set[str]:
    hrefs = html_of(path).xpath("//a/@href")
    return {urlsplit(h).path for h in hrefs if h.startswith(BASE)}


def test_every_internal_link_resolves() -> None:
    for path in HTML_PATHS:
        assert _internal_links(path) <= set(SITE), path


def test_every_html_page_is_reachable_from_the_home_page() -> None:
    seen, todo = {"/"}, ["/"]
    while todo:
        for link in _internal_links(todo.pop()) - seen:
            seen.add(link)
            todo.append(link)
    assert set(HTML_PATHS) <= seen


def test_listings_paginate_six_per_page() -> None:
    homes = ["/", "/page/2/", "/page/3/"]
    counts = [len(html_of(p).xpath('//div[@class="zox-archive-list"]/article')) for p in homes]
    assert counts == [6, 6, len(CONTENT.articles) - 12] and "/page/4/" not in SITE
    december = html_of("/2022/12/").xpath('//div[@class="zox-archive-list"]//h2/a/@href')
    assert {urlsplit(h).path for h in december} == {a.path for a in CONTENT.articles if "/2022/12/" in a.path}
    for prefix in ("/category/", "/author/", "/tag/"):
        assert any(p.startswith(prefix) for p in SITE)


def test_static_pages_are_not_articles() -> None:
    for path in ("/about/", "/contact/", "/privacy-policy/"):
        assert path in facts.non_article_paths()
        assert "NewsArticle" not in json_ld(path) and "WebPage" in json_ld(path)


def test_facts_partition_the_served_paths() -> None:
    articles, others, embargoed = facts.article_paths(), facts.non_article_paths(), facts.embargoed_paths()
    assert articles | others | embargoed == set(SITE)
    assert not (articles & others or articles & embargoed or others & embargoed)
    assert facts.article_paths(BASE) == {BASE + p for p in articles}
    seed = facts.seed_article()
    assert facts.article(BASE + seed.path) == facts.article(seed.slug) == facts.article(seed.path) == seed


def test_content_types() -> None:
    assert SITE["/robots.txt"].content_type == "text/plain"
    assert SITE["/feed/"].content_type == "application/rss+xml; charset=UTF-8"
    assert SITE["/sitemap_index.xml"].content_type == "application/xml; charset=UTF-8"
    assert SITE["/"].content_type == "text/html; charset=UTF-8"
    assert all(SITE[p].last_modified for p in facts.article_paths())


def test_build_site_is_a_pure_function_of_the_base_url() -> None:
    other = build_site("http://elsewhere.test")
    assert build_site(BASE) == SITE and set(other) == set(SITE)
    assert not any(b"minisite.test" in page.body for page in other.values())

"""Tests of the bundled mini-site itself: its content, its markup, its discovery files and its server.

The crawler and cleaner tests trust ``tests.support.minisite_facts``; these tests check that those facts
and the rendered site agree, and that the fixture is as realistic as the brief asks.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
from lxml import etree, html
from protego import Protego

from defcorpus.minisite import build_site, load_content, serve
from defcorpus.minisite.content import Article, Page
from tests.support import minisite_facts as facts
from tests.support.shared import SHARED, require_input

BASE = "http://minisite.test:8080"
SEED_DUMP = SHARED / "seed-article.txt"  # the real page's text (../shared, next to the repository)
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
CONTENT = load_content()
SITE = build_site(BASE)
HTML_PATHS = sorted(p for p, page in SITE.items() if page.content_type.startswith("text/html"))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def _doc(path: str) -> html.HtmlElement:
    return html.fromstring(SITE[path].body)


def _block_texts(body: html.HtmlElement) -> list[str]:
    """A post body's children as text, each list item a block (the convention of expected_body)."""
    texts: list[str] = []
    for child in body:
        if child.tag == "ul":
            texts += [_norm(li.text_content()) for li in child.iter("li")]
        else:
            texts.append(_norm(child.text_content()))
    return texts


def _graph(path: str) -> dict[str, dict]:
    """The page's JSON-LD nodes keyed by @type."""
    (script,) = _doc(path).xpath('//script[@type="application/ld+json"]/text()')
    return {node["@type"]: node for node in json.loads(script)["@graph"]}


def _meta(doc: html.HtmlElement, key: str) -> list[str]:
    return doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')


def _xml(path: str) -> etree._Element:
    return etree.fromstring(SITE[path].body)


# ------------------------------------------------------------------------------------- content


def test_content_has_enough_articles_authors_months_and_sections() -> None:
    public = CONTENT.public
    assert len(public) >= 13
    per_author = Counter(a.author.slug for a in public)
    assert len(per_author) == 3 and min(per_author.values()) >= 4
    assert {f"{a.date_published:%Y-%m}" for a in public} == {"2022-11", "2022-12", "2023-01"}
    assert len({a.section.slug for a in public}) >= 5
    assert all(a.tags for a in public)


def test_articles_are_varied_and_dated_with_offsets() -> None:
    kinds = Counter(b.kind for a in CONTENT.public for b in a.body)
    assert kinds["h2"] and kinds["quote"] and kinds["ul"]
    assert sum("](" in b.text for a in CONTENT.public for b in a.body) >= 5  # inline links
    for a in CONTENT.articles:
        assert a.date_published.utcoffset() is not None and a.date_modified >= a.date_published
        if a.slug != CONTENT.seed:
            assert 5 <= sum(b.kind in ("p", "quote") for b in a.body) <= 12, a.slug


def test_every_bio_variant_is_pasted_in_three_articles() -> None:
    uses = Counter((a.author.slug, i) for a in CONTENT.public for i in a.bios)
    assert all(uses[(au.slug, i)] >= 3 for au in CONTENT.authors for i in range(len(au.bios)))
    assert all(len(au.bios) == 2 for au in CONTENT.authors)
    stavros = [a for a in CONTENT.public if a.author.slug == "stavros-atlamazoglou"]
    assert all(a.bios == (0, 1) for a in stavros)


def test_one_real_paragraph_is_shared_by_two_articles() -> None:
    shared = facts.shared_paragraphs()
    assert len(shared) == 1
    ((text, slugs),) = shared.items()
    assert len(slugs) == 2 and len(text.split()) > 25
    assert all(text in facts.expected_body(slug).split("\n\n") for slug in slugs)


def test_boilerplate_never_occurs_in_an_expected_body() -> None:
    bodies = [facts.expected_body(a) for a in CONTENT.articles]
    for text in facts.chrome_strings() + facts.bio_sentences() + facts.captions():
        assert not any(text in body for body in bodies), text


# ----------------------------------------------------------------------------------- the seed


def test_seed_article_fields() -> None:
    seed = facts.seed_article()
    assert seed.headline == "Putin Is Eyeing One Specific Country to Help Him Invade Ukraine"
    assert (seed.author.name, seed.section.name) == ("Stavros Atlamazoglou", "Smart Bombs")
    assert seed.date_published.date().isoformat() == "2022-12-27"
    assert seed.caption.startswith("Coalition forces fire an M3 multi-role anti-armor")
    assert seed.credit == "(DoD photo by Sgt. Benjamin Tuck, U.S. Army/Released)"
    assert [b.text for b in seed.body if b.kind == "h2"] == [
        "The Belarus Factor",
        "Training the Russian Military",
    ]
    body = facts.expected_body(seed)
    assert body.startswith("Is Ukraine Facing Problems from Belarus? Ukrainian President Volodymyr")
    assert body.endswith("the British Military Intelligence added.")
    assert "“single defense space,”" in body and "Zelensky’s" in body


def test_seed_article_matches_the_real_page_text() -> None:
    require_input(SEED_DUMP, "the real seed page's text")
    lines = [_norm(line) for line in SEED_DUMP.read_text(encoding="utf-8").splitlines() if line.strip()]
    seed = facts.seed_article()
    caption_at = lines.index(f"{seed.caption} {seed.credit}")
    bios = facts.pasted_bios(seed)
    assert lines[caption_at + 1 : -len(bios)] == facts.expected_body(seed).split("\n\n")
    assert lines[-len(bios) :] == bios


def test_seed_page_markup() -> None:
    seed = facts.seed_article()
    doc = _doc(seed.path)
    assert _norm(doc.xpath('//h1[contains(@class,"zox-post-title")]')[0].text_content()) == seed.headline
    (cat,) = doc.xpath('//h3[contains(@class,"zox-post-cat")]//a')
    assert (_norm(cat.text_content()), cat.get("href")) == ("Smart Bombs", f"{BASE}/category/smart-bombs/")
    (byline,) = doc.xpath('//div[contains(@class,"zox-author-info")]')
    assert byline.xpath(".//a/@href") == [f"{BASE}/author/stavros-atlamazoglou/"]
    assert byline.xpath('.//time[@class="post-date updated"]/@datetime') == ["2022-12-27T10:32:15-05:00"]
    assert byline.xpath(".//time/text()") == ["December 27, 2022"]
    (caption,) = doc.xpath('//figure[contains(@class,"zox-post-img")]/figcaption')
    assert _norm(caption.text_content()) == f"{seed.caption} {seed.credit}"
    (body,) = doc.xpath('//div[contains(@class,"zox-post-body")]')
    assert body[0].xpath("./strong/text()") == ["Is Ukraine Facing Problems from Belarus?"]
    assert [_norm(p.text_content()) for p in body.xpath("./p")[-2:]] == facts.pasted_bios(seed)
    assert "Business InsiderSandboxx" in facts.pasted_bios(seed)[0]


# ------------------------------------------------------------------------------ article markup


@pytest.mark.parametrize("post", CONTENT.articles, ids=lambda a: a.slug)
def test_article_head_metadata(post: Article) -> None:
    doc, url = _doc(post.path), BASE + post.path
    assert doc.xpath('//link[@rel="canonical"]/@href') == [url]
    assert SITE[post.path].body.startswith(b"<!DOCTYPE html>") and doc.get("lang") == "en-US"
    assert _meta(doc, "og:type") == ["article"] and _meta(doc, "og:url") == [url]
    assert _meta(doc, "og:site_name") == ["19FortyFive"] and _meta(doc, "og:title") == [post.headline]
    assert _meta(doc, "og:image") == [BASE + post.image_path]
    assert _meta(doc, "article:published_time") == [post.date_published.isoformat()]
    assert _meta(doc, "article:modified_time") == [post.date_modified.isoformat()]
    assert _meta(doc, "article:section") == [post.section.name]
    assert _meta(doc, "article:tag") == list(post.tags)
    assert _meta(doc, "author") == [post.author.name]
    assert _meta(doc, "twitter:card") == ["summary_large_image"]
    assert doc.xpath('//link[@type="application/rss+xml"]/@href') == [f"{BASE}/feed/"]


@pytest.mark.parametrize("post", CONTENT.articles, ids=lambda a: a.slug)
def test_article_json_ld(post: Article) -> None:
    graph = _graph(post.path)
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
    (body,) = _doc(post.path).xpath('//div[contains(@class,"zox-post-body")]')
    rendered, expected = _block_texts(body), facts.expected_body(post).split("\n\n")
    assert [t for t in rendered if t in expected] == expected
    assert rendered[2].startswith("Up Next: ") and rendered[5].startswith("Don't Miss: ")
    assert rendered[-len(post.bios) :] == facts.pasted_bios(post)
    assert body.xpath('.//div[contains(@class,"zox-post-newsletter")]')
    assert body.xpath("./p/strong/following-sibling::a/@href")[0].startswith(BASE + "/20")


def test_article_chrome_around_the_body() -> None:
    doc = _doc(CONTENT.public[0].path)
    text = _norm(doc.text_content())
    needles = ("Connect with us", "Hi, what are you looking for?", "Click to comment", "You may also like")
    assert all(needle in text for needle in needles)
    assert doc.xpath('//div[contains(@class,"zox-search-wrap")]//form')
    assert doc.xpath('//div[contains(@class,"zox-post-tags")]//a[@rel="tag"]')
    assert doc.xpath('//div[contains(@class,"zox-author-box")]//img')
    assert len(doc.xpath('//div[contains(@class,"zox-post-more-wrap")]//h2')) == 3
    footer = _norm(doc.xpath("//footer")[0].text_content())
    assert footer.endswith("© 2023 19FortyFive – All rights reserved.")


def test_chrome_strings_are_printed_on_article_pages() -> None:
    texts = " ".join(_norm(_doc(a.path).text_content()) for a in CONTENT.articles)
    attributes = " ".join(_doc(CONTENT.public[0].path).xpath("//input/@value"))
    assert all(s in texts or s in attributes for s in facts.chrome_strings())
    assert all(s in texts for s in facts.bio_sentences() + facts.captions())


@pytest.mark.parametrize("path", HTML_PATHS)
def test_footer_shows_no_date_but_the_copyright_year(path: str) -> None:
    footer = _norm(_doc(path).xpath("//footer")[0].text_content())
    assert re.findall(r"\b\d{4}\b", footer) == ["2023"]
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    assert not re.search(months, footer)


# --------------------------------------------------------------------------- site-wide checks


def _internal_links(path: str) -> set[str]:
    hrefs = _doc(path).xpath("//a/@href")
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
    counts = [len(_doc(p).xpath('//div[@class="zox-archive-list"]/article')) for p in homes]
    assert counts == [6, 6, len(CONTENT.articles) - 12] and "/page/4/" not in SITE
    december = _doc("/2022/12/").xpath('//div[@class="zox-archive-list"]//h2/a/@href')
    assert {urlsplit(h).path for h in december} == {a.path for a in CONTENT.articles if "/2022/12/" in a.path}
    for prefix in ("/category/", "/author/", "/tag/"):
        assert any(p.startswith(prefix) for p in SITE)


def test_static_pages_are_not_articles() -> None:
    for path in ("/about/", "/contact/", "/privacy-policy/"):
        assert path in facts.non_article_paths()
        assert "NewsArticle" not in _graph(path) and "WebPage" in _graph(path)


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


# ------------------------------------------------------------------------------ discovery files


def test_robots_disallows_the_embargoed_post_and_names_the_sitemap() -> None:
    robots = SITE["/robots.txt"].body.decode()
    (embargoed,) = facts.embargoed_paths()
    assert f"Disallow: {embargoed}" in robots.splitlines()
    assert f"Sitemap: {BASE}/sitemap_index.xml" in robots.splitlines()
    assert facts.disallowed_paths() == ["/wp-admin/", embargoed]
    rules = Protego.parse(robots)
    assert not rules.can_fetch(BASE + embargoed, "defcorpus")
    assert not rules.can_fetch(f"{BASE}/wp-admin/options.php", "defcorpus")
    assert rules.can_fetch(f"{BASE}/wp-admin/admin-ajax.php", "defcorpus")
    assert all(rules.can_fetch(url, "defcorpus") for url in facts.article_paths(BASE))


def test_sitemap_index_lists_every_sitemap_with_lastmod() -> None:
    entries = _xml("/sitemap_index.xml").findall("sm:sitemap", NS)
    paths = [urlsplit(e.findtext("sm:loc", namespaces=NS)).path for e in entries]
    assert paths[-2:] == ["/page-sitemap.xml", "/category-sitemap.xml"]
    assert {p for p in paths if p.startswith("/post-sitemap-")} == {
        f"/post-sitemap-{m}.xml" for m in ("2022-11", "2022-12", "2023-01")
    }
    for entry, path in zip(entries, paths, strict=True):
        lastmods = [u.findtext("sm:lastmod", namespaces=NS) for u in _xml(path).findall("sm:url", NS)]
        assert entry.findtext("sm:lastmod", namespaces=NS) == max(lastmods, key=_iso)


def _iso(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_post_sitemaps_list_every_post_with_its_modified_date() -> None:
    listed = {}
    for path in (p for p in SITE if p.startswith("/post-sitemap-")):
        for url in _xml(path).findall("sm:url", NS):
            loc = urlsplit(url.findtext("sm:loc", namespaces=NS)).path
            listed[loc] = url.findtext("sm:lastmod", namespaces=NS)
    assert set(listed) == facts.article_paths() | facts.embargoed_paths()
    assert all(listed[a.path] == a.date_modified.isoformat() for a in CONTENT.articles)
    late = [a for a in CONTENT.articles if a.date_modified.month != a.date_published.month]
    assert late  # a post updated after its month ends keeps its place in its month's sitemap
    assert all(BASE + a.path in _xml(f"/post-sitemap-{a.date_published:%Y-%m}.xml").itertext() for a in late)


def test_page_and_category_sitemaps_hold_no_articles() -> None:
    for path in ("/page-sitemap.xml", "/category-sitemap.xml"):
        locs = {urlsplit(u.findtext("sm:loc", namespaces=NS)).path for u in _xml(path).findall("sm:url", NS)}
        assert locs and not locs & facts.article_paths() and locs <= set(SITE)
        assert all(u.findtext("sm:lastmod", namespaces=NS) for u in _xml(path).findall("sm:url", NS))


def test_feed_is_rss_with_the_latest_ten_posts() -> None:
    channel = _xml("/feed/").find("channel")
    items = channel.findall("item")
    assert len(items) == 10
    for item, post in zip(items, CONTENT.articles, strict=False):
        assert urlsplit(item.findtext("link")).path == post.path
        assert parsedate_to_datetime(item.findtext("pubDate")) == post.date_published
        assert item.findtext("dc:creator", namespaces=NS) == post.author.name
        assert [c.text for c in item.findall("category")] == [post.section.name, *post.tags]
        assert item.findtext("description") == post.description
        encoded = html.fromstring(item.findtext("content:encoded", namespaces=NS))
        assert _norm(encoded.text_content()).startswith(facts.expected_body(post).split("\n\n")[0])
    assert facts.embargoed_paths() <= {urlsplit(i.findtext("link")).path for i in items}


# ----------------------------------------------------------------------------------- the server


def _get(base_url: str, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=10)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_server_serves_pages_404s_and_redirects() -> None:
    with serve() as site:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", site.base_url)
        status, headers, body = _get(site.base_url, "/robots.txt")
        assert (status, headers["Content-Type"]) == (200, "text/plain")
        assert f"Sitemap: {site.base_url}/sitemap_index.xml" in body.decode()
        seed = facts.seed_article()
        status, headers, body = _get(site.base_url, seed.path + "?utm_source=feed")
        assert status == 200 and body == site.pages[seed.path].body
        assert parsedate_to_datetime(headers["Last-Modified"]) == seed.date_modified
        status, headers, body = _get(site.base_url, "/no-such-page/")
        assert status == 404 and headers["Content-Type"].startswith("text/html") and b"404" in body
        status, headers, _ = _get(site.base_url, "/about")
        assert (status, headers["Location"]) == (301, f"{site.base_url}/about/")
        status, headers, body = _get(site.base_url, "/feed/", "HEAD")
        assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


@pytest.mark.slow
def test_server_answers_conditional_requests() -> None:
    seed = facts.seed_article()
    with serve() as site:
        _, headers, _ = _get(site.base_url, seed.path)
        assert _get(site.base_url, seed.path, **{"If-None-Match": headers["ETag"]})[0] == 304
        assert _get(site.base_url, seed.path, **{"If-None-Match": '"stale"'})[0] == 200
        since = format_datetime(seed.date_modified)
        assert _get(site.base_url, seed.path, **{"If-Modified-Since": since})[0] == 304
        assert _get(site.base_url, "/no-such-page/", **{"If-None-Match": "*"})[0] == 404


@pytest.mark.slow
def test_server_counts_requests_per_path_across_threads() -> None:
    with serve() as site:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda _: _get(site.base_url, "/feed/"), range(24)))
        _get(site.base_url, "/missing/?x=1")
        assert site.requests == Counter({"/feed/": 24, "/missing/": 1})
        snapshot = site.requests
        snapshot["/feed/"] = 0  # a copy: the server's count is untouched
        assert site.requests["/feed/"] == 24
        site.reset_requests()
        assert site.requests == Counter() == site.fetches


@pytest.mark.slow
def test_server_counts_fetches_apart_from_conditional_requests() -> None:
    seed = facts.seed_article()
    with serve() as site:
        _, headers, _ = _get(site.base_url, seed.path)
        _get(site.base_url, seed.path, **{"If-None-Match": headers["ETag"]})  # 304
        _get(site.base_url, "/missing/")  # 404
        assert site.requests == Counter({seed.path: 2, "/missing/": 1})
        assert site.fetches == Counter({seed.path: 1})


@pytest.mark.slow
def test_main_serves_in_the_foreground_and_prints_the_url() -> None:
    command = [sys.executable, "-m", "defcorpus.minisite", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        try:
            assert proc.stdout is not None
            base_url = proc.stdout.readline().strip()
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
            assert _get(base_url, "/")[0] == 200
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_page_is_a_small_frozen_record() -> None:
    page = Page("text/plain", b"x")
    assert page.status == 200 and page.last_modified is None
    with pytest.raises(AttributeError):
        page.status = 404  # type: ignore[misc]

"""The mini-site's discovery files: robots.txt, sitemaps and the feed agree with its articles."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from lxml import html
from protego import Protego

from tests.support import minisite_facts as facts
from tests.support.minisite_pages import BASE, CONTENT, NS, SITE, norm, xml_of

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
    entries = xml_of("/sitemap_index.xml").findall("sm:sitemap", NS)
    paths = [urlsplit(e.findtext("sm:loc", namespaces=NS)).path for e in entries]
    assert paths[-2:] == ["/page-sitemap.xml", "/category-sitemap.xml"]
    assert {p for p in paths if p.startswith("/post-sitemap-")} == {
        f"/post-sitemap-{m}.xml" for m in ("2022-11", "2022-12", "2023-01")
    }
    for entry, path in zip(entries, paths, strict=True):
        lastmods = [u.findtext("sm:lastmod", namespaces=NS) for u in xml_of(path).findall("sm:url", NS)]
        assert entry.findtext("sm:lastmod", namespaces=NS) == max(lastmods, key=_iso)


def _iso(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_post_sitemaps_list_every_post_with_its_modified_date() -> None:
    listed = {}
    for path in (p for p in SITE if p.startswith("/post-sitemap-")):
        for url in xml_of(path).findall("sm:url", NS):
            loc = urlsplit(url.findtext("sm:loc", namespaces=NS)).path
            listed[loc] = url.findtext("sm:lastmod", namespaces=NS)
    assert set(listed) == facts.article_paths() | facts.embargoed_paths()
    assert all(listed[a.path] == a.date_modified.isoformat() for a in CONTENT.articles)
    late = [a for a in CONTENT.articles if a.date_modified.month != a.date_published.month]
    assert late  # a post updated after its month ends keeps its place in its month's sitemap
    assert all(BASE + a.path in xml_of(f"/post-sitemap-{a.date_published:%Y-%m}.xml").itertext() for a in late)


def test_page_and_category_sitemaps_hold_no_articles() -> None:
    for path in ("/page-sitemap.xml", "/category-sitemap.xml"):
        locs = {urlsplit(u.findtext("sm:loc", namespaces=NS)).path for u in xml_of(path).findall("sm:url", NS)}
        assert locs and not locs & facts.article_paths() and locs <= set(SITE)
        assert all(u.findtext("sm:lastmod", namespaces=NS) for u in xml_of(path).findall("sm:url", NS))


def test_feed_is_rss_with_the_latest_ten_posts() -> None:
    channel = xml_of("/feed/").find("channel")
    items = channel.findall("item")
    assert len(items) == 10
    for item, post in zip(items, CONTENT.articles, strict=False):
        assert urlsplit(item.findtext("link")).path == post.path
        assert parsedate_to_datetime(item.findtext("pubDate")) == post.date_published
        assert item.findtext("dc:creator", namespaces=NS) == post.author.name
        assert [c.text for c in item.findall("category")] == [post.section.name, *post.tags]
        assert item.findtext("description") == post.description
        encoded = html.fromstring(item.findtext("content:encoded", namespaces=NS))
        assert norm(encoded.text_content()).startswith(facts.expected_body(post).split("\n\n")[0])
    assert facts.embargoed_paths() <= {urlsplit(i.findtext("link")).path for i in items}

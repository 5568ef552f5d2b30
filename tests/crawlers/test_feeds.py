"""The feed reader the crawl and onboarding share: RSS and Atom items, dates, and no I/O of its own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.feeds import FeedItem, feed_items, is_feed

BASE = "https://news.example/feed/"
MAY_1 = datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_rss_items_with_publication_dates_and_relative_links() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><link>https://news.example/2024/05/a/</link><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate></item>
      <item><link> /2024/05/b/ </link></item>
      <item><title>no link</title></item>
    </channel></rss>"""
    assert feed_items(rss, BASE) == [
        FeedItem("https://news.example/2024/05/a/", published=MAY_1),
        FeedItem("https://news.example/2024/05/b/"),
    ]


def test_rss_dc_date_is_the_publication_date() -> None:
    rss = b"""<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
      <item><link>https://news.example/a/</link><dc:date>2024-05-01T10:00:00Z</dc:date></item>
    </channel></rss>"""
    assert feed_items(rss, BASE) == [FeedItem("https://news.example/a/", published=MAY_1)]


def test_rss_1_0_rdf() -> None:
    rdf = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
      xmlns:dc="http://purl.org/dc/elements/1.1/">
      <item rdf:about="https://news.example/a/"><link>https://news.example/a/</link>
        <dc:date>2024-05-01T12:00:00+02:00</dc:date></item></rdf:RDF>"""
    (item,) = feed_items(rdf, BASE)
    assert item.url == "https://news.example/a/" and item.published == MAY_1 and item.updated is None


def test_atom_alternate_link_published_and_updated() -> None:
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
      <entry><link rel="self" href="https://news.example/api/1"/><link rel="alternate" href="/2024/05/a/"/>
        <published>2024-05-01T10:00:00Z</published><updated>2024-05-03T00:00:00Z</updated></entry>
      <entry><link href="https://news.example/2024/05/b/"/><updated>2024-05-02T00:00:00Z</updated></entry>
    </feed>"""
    assert feed_items(atom, BASE) == [
        FeedItem("https://news.example/2024/05/a/", MAY_1, datetime(2024, 5, 3, tzinfo=UTC)),
        FeedItem("https://news.example/2024/05/b/", None, datetime(2024, 5, 2, tzinfo=UTC)),
    ]


def test_odd_date_formats_fall_back_to_feedparser() -> None:
    rss = b"""<rss version="2.0"><channel><item><link>https://news.example/a/</link>
      <pubDate>Wed, 1 May 2024 10:00 UT</pubDate></item></channel></rss>"""
    assert feed_items(rss, BASE)[0].published == MAY_1


def test_garbage_gives_no_items() -> None:
    assert feed_items(b"<html><body>not a feed</body></html>", BASE) == []
    assert feed_items(b"", BASE) == []
    assert not is_feed(b"<html>") and is_feed(b"  <?xml version='1.0'?>\n<rss version='2.0'>")


def test_bytes_are_never_a_path_or_a_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A body that spells a file name or a URL is parsed as a (bad) feed, never opened or fetched."""
    secret = tmp_path / "secret.xml"
    secret.write_bytes(b"<rss version='2.0'><channel><item><link>https://leak.example/</link></item></channel></rss>")
    monkeypatch.chdir(tmp_path)
    assert feed_items(str(secret).encode(), BASE) == []
    assert feed_items(b"secret.xml", BASE) == []
    assert feed_items(b"http://127.0.0.1:1/feed.xml", BASE) == []

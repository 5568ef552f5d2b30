"""Charsets a publisher gets wrong, end to end: crawl a loopback site (tests/support/publishers/charsets.py),
clean it, read the corpus. Every article must come out as its text: one stray byte in a UTF-8 page
costs that byte, not the page (before: "The ministerâ€™s statement, issued in BesanÃ§on"), UTF-16 is
text, not a binary file (before: refused ``not_html``), and a charset only the HTTP header names is
the one used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import corpus
from corpus.store import open_store
from defcorpus.clean import clean_site
from defcorpus.clean_report import CleanReport
from tests.support.crawling import crawl
from tests.support.http import serving
from tests.support.publishers import charsets
from tests.support.site_configs import FEED, fixture_site

pytestmark = pytest.mark.reliability
Published = tuple[dict[str, dict[str, Any]], CleanReport]
MOJIBAKE = ("â€", "Ã§", "Ã©", "‚Äô", "√ß", "Ð", "ãƒ")  # UTF-8 read as windows-1252, as mac-roman, ...


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    store_dir: Path = tmp_path_factory.mktemp("store")
    with serving(charsets.build) as (server, _site):
        config = fixture_site("charsets", server.base_url, sources=(FEED,), allow="^/a/")
        crawl(config, store_dir)
    store = open_store(str(store_dir))
    report = clean_site(store, config)
    rows = corpus.open(store).articles().to_pylist()
    yield {urlsplit(row["url"]).path: row for row in rows}, report


@pytest.mark.parametrize("page", charsets.PAGES, ids=[p.path.strip("/").split("/")[1] for p in charsets.PAGES])
def test_each_article_comes_out_as_its_text(published: Published, page: charsets.Encoded) -> None:
    rows, report = published
    assert page.path in rows, f"{page.path} not published (rejected: {dict(report.rejected)})"
    row = rows[page.path]
    assert row["headline"] == page.headline
    assert page.sentence in row["body"]
    assert not any(bad in row["body"] or bad in row["headline"] for bad in MOJIBAKE)


def test_a_stray_byte_costs_that_byte_only(published: Published) -> None:
    rows, _ = published
    for path in ("/a/stray-byte/", "/a/stray-byte-latin1/"):
        assert rows[path]["body"].count("\ufffd") <= 1, path


def test_nothing_is_refused_as_binary(published: Published) -> None:
    _, report = published
    assert "not_html" not in report.rejected
    assert report.articles_published == len(charsets.PAGES)

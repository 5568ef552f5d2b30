"""``reclean_site``: the raw WARC already in the store, cleaned again, with the network cut off.

The mini-site is crawled once with its own server, which is then stopped; every socket connection
is made to fail; re-cleaning still works and publishes a new version only where the text changed.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import corpus
from cleaning.identity import CanonicalClaims, own_url
from corpus import layout
from corpus.schema import Article, article_id
from corpus.store import Store, open_store
from corpus.version_index import Version
from crawlers.sites import SiteConfig, get_site
from defcorpus.clean import clean_site
from defcorpus.crawl_job import crawl_site
from defcorpus.minisite import serve
from defcorpus.reclean import reclean_site, separate_unheld
from defcorpus.versions import SiteVersions
from tests.support import minisite_facts as facts
from tests.support.articles import article_record
from tests.support.crawling import NO_PACING


class NetworkUsedError(AssertionError):
    pass


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, SiteConfig]:
    store = open_store(str(tmp_path_factory.mktemp("reclean")))
    with serve() as server:
        site = get_site("minisite").with_base_url(server.base_url)
        crawl_site(store.url, site, settings=NO_PACING)
    assert clean_site(store, site).articles_published == len(facts.article_paths())
    return store, site  # the server is stopped from here on


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    attempts: list[Any] = []

    def refuse(sock: socket.socket, address: Any, *args: Any) -> None:
        attempts.append(address)
        raise NetworkUsedError(f"network connection attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    assert attempts == []


def with_rule(site: SiteConfig, pattern: str) -> SiteConfig:
    rules = site.cleaning.model_copy(
        update={"drop_paragraph_patterns": [*site.cleaning.drop_paragraph_patterns, pattern]}
    )
    return site.model_copy(update={"cleaning": rules})


def test_reclean_without_changes_publishes_nothing(crawled: tuple[Store, SiteConfig], no_network: list[Any]) -> None:
    store, site = crawled
    report = reclean_site(store, site)
    assert (report.articles_published, report.articles_unchanged) == (0, len(facts.article_paths()))
    assert report.bios_removed > 0
    assert store.exists(layout.dedup_state_key(site.name))


def test_reclean_publishes_new_versions_only_where_text_changed(
    crawled: tuple[Store, SiteConfig], no_network: list[Any]
) -> None:
    store, site = crawled
    seed = facts.seed_article()
    last = facts.expected_body(seed).split("\n\n")[-1]
    report = reclean_site(store, with_rule(site, "^" + re.escape(last[:60])))
    assert (report.articles_published, report.articles_unchanged) == (1, len(facts.article_paths()) - 1)
    everything = corpus.open(store).articles(site=site.name, latest=False).to_pylist()
    assert len(everything) == len(facts.article_paths()) + 1
    versions = [a for a in everything if Path(a["url"]).name == seed.slug]
    assert sorted(a["body"] for a in versions) == sorted(
        [facts.expected_body(seed), facts.expected_body(seed).rsplit("\n\n", 1)[0]]
    )
    assert len({(a["warc_record_id"], a["fetched_at"]) for a in versions}) == 1  # same fetch, cleaned again


FETCHED = datetime(2024, 9, 1, tzinfo=UTC)


def claimant(path: str, canonical: str, text: str) -> Article:
    base = "https://www.news.example"
    return article_record(
        base + path, "Headline", text, site="news", published=None, fetched_at=FETCHED, canonical_url=base + canonical
    )


def test_a_shared_id_stays_with_the_page_it_was_published_from_unless_pages_collapsed_into_it(
    tmp_path: Path,
) -> None:
    """Of pages sharing a canonical, the one an earlier clean published the id from keeps it.

    Pages that were published under one id before the clean told them apart all keep their own URLs.
    """
    held, later = claimant("/a/first/", "/a/newest/", "first text"), claimant("/a/second/", "/a/newest/", "second")
    collapsed = [claimant(f"/b/{n}/", "/b/newest/", f"text {n}") for n in ("one", "two")]
    alone = claimant("/c/alone/", "/c/alone/", "alone")
    versions = SiteVersions(open_store(str(tmp_path / "store")), "news", [], [])
    for article in (held, *collapsed, alone):
        versions.add(Version.of(article, own_url(article.url)))
    versions.committed(None)
    pages = [held, later, *collapsed, alone]
    kept = separate_unheld(pages, CanonicalClaims(pages), versions)
    assert [a.id for a in kept] == [held.id] + [article_id(a.url) for a in (later, *collapsed)] + [alone.id]
    assert [a.canonical_url for a in kept[1:4]] == [a.url for a in (later, *collapsed)]

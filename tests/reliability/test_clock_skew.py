"""A crawler clock behind the publisher's drops the dates; a correct re-fetch of the same text repairs them.

The first fetch is written as a crawler whose clock is 8 hours behind writes it (each WARC-Date 8
hours before the page's publication, beyond the 6-hour tolerance); the repair is a real crawl of
the mini-site on loopback; the identical re-fetch is the same bytes fetched again later. What is
checked is what a user reads: ``export``'s records, and the versions in the table.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import corpus
from corpus.store import Store, open_store
from crawlers.sites import SiteConfig, get_site
from defcorpus.clean import clean_site
from defcorpus.crawl_job import crawl_site
from defcorpus.export import export
from defcorpus.minisite.render import build_site
from defcorpus.reclean import reclean_site
from tests.support import minisite_facts as facts
from tests.support.crawling import NO_PACING
from tests.support.raw import RawPage, write_fetched

pytestmark = pytest.mark.reliability

BEHIND = timedelta(hours=8)  # the crawler's clock: more than cleaning.options.DATE_TOLERANCE (6 h) behind


def served(site: SiteConfig) -> list[RawPage]:
    """The mini-site's public articles, byte for byte as its server sends them."""
    pages = build_site(site.base_url)
    return [RawPage(site.absolute(p), pages[p].body, "text/html; charset=UTF-8") for p in sorted(facts.article_paths())]


def exported(store: Store, tmp_path: Path, site: str) -> dict[str, dict[str, Any]]:
    """path -> the record ``defcorpus export`` writes for it (the latest version)."""
    out = tmp_path / f"export-{datetime.now(UTC):%H%M%S%f}.jsonl"
    export(store, str(out), site=site)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    return {urlsplit(r["url"]).path: r for r in records}


def published_on(path: str) -> str:
    return facts.article(path).date_published.astimezone(UTC).isoformat()


def test_a_correct_refetch_of_the_same_text_repairs_dates_a_skewed_clock_dropped(minisite: Any, tmp_path: Path) -> None:
    site = get_site("minisite").with_base_url(minisite.base_url)
    store = open_store(str(tmp_path / "store"))
    pages = served(site)
    skewed = [(page, facts.article(page.url).date_published - BEHIND) for page in pages]
    write_fetched(store, site.name, skewed, run_at=datetime(2022, 1, 1, tzinfo=UTC))
    first = clean_site(store, site)
    assert first.articles_published == len(pages)
    dropped = exported(store, tmp_path, site.name)
    # Every stated date refused as after the fetch: none left, or a poorer one (the printed day, the URL's month).
    assert all(dropped[p]["date_published"] != published_on(p) for p in facts.article_paths()), dropped

    crawl = crawl_site(store.url, site, settings=NO_PACING)  # the clock right: the same text fetched again
    assert crawl.summary.articles_new == len(pages)
    repaired = clean_site(store, site)
    # Before: 0 published, every article "unchanged" (same id, same content hash), the dates lost.
    assert (repaired.articles_published, repaired.articles_unchanged) == (len(pages), 0)
    records = exported(store, tmp_path, site.name)
    assert {p: records[p]["date_published"] for p in records} == {p: published_on(p) for p in facts.article_paths()}
    assert {r["content_hash"] for r in records.values()} == {r["content_hash"] for r in dropped.values()}

    again = [(page, datetime.now(UTC)) for page in pages]  # the same bytes, the same metadata, later
    write_fetched(store, site.name, again, run_at=datetime.now(UTC))
    identical = clean_site(store, site)
    assert (identical.articles_published, identical.articles_unchanged) == (0, len(pages))
    assert reclean_site(store, site).articles_published == 0  # the re-clean agrees: nothing new
    assert exported(store, tmp_path, site.name) == records
    table = corpus.open(store).articles(site=site.name, latest=False)
    assert table.num_rows == 2 * len(pages)  # each article: the skewed version, the repaired one; none twice

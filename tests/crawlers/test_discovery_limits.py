"""Sitemap indexes without end (tests/support/publishers/sitemap_traps.py): a chain of indexes, an index
loop through new query strings, an index naming a hundred sitemaps. The crawl follows them only as
deep (``DEFCORPUS_DISCOVERY_MAX_DEPTH``) and as many (``DEFCORPUS_DISCOVERY_MAX_DOCUMENTS``) as its
settings allow, finishes, and says in its report what it left out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawlers import settings as project_settings
from crawlers.budget import DiscoveryBudget, DiscoveryLimits
from crawlers.report import CrawlReport, format_summary
from crawlers.runner import CrawlRefusedError
from crawlers.sites import SiteConfig
from tests.support.crawling import crawl, warc_responses
from tests.support.http import FixtureServer, serving
from tests.support.publishers import sitemap_traps
from tests.support.site_configs import fixture_site

pytestmark = pytest.mark.slow
DEPTH = project_settings.DEFCORPUS_DISCOVERY_MAX_DEPTH


def site(base_url: str, *sources: str) -> SiteConfig:
    return fixture_site(
        "traps", base_url, sources=tuple({"type": "sitemap", "url": url} for url in sources), allow="^/a/"
    )


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with serving(sitemap_traps.build) as (server, _site):
        yield server


def requested(server: FixtureServer, pattern: str) -> set[str]:
    return {entry.path for entry in server.log if re.fullmatch(pattern, entry.path)}


@dataclass(frozen=True)
class Deep:
    report: CrawlReport
    stored: list[str]  # article paths in the WARC files
    chain: set[str]  # chain indexes requested
    loop: set[str]  # loop pages requested


@pytest.fixture(scope="module")
def deep(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> Deep:
    """The chain and the loop, with the shipped limits."""
    server.reset_log()
    store = tmp_path_factory.mktemp("deep")
    report = crawl(site(server.base_url, "/chain/1.xml", "/loop.xml?page=1"), store)
    return Deep(
        report,
        stored=sorted(r.path for r in warc_responses(store, "traps") if r.path.startswith("/a/")),
        chain=requested(server, r"/chain/\d+\.xml"),
        loop=requested(server, r"/loop\.xml\?page=\d+"),
    )


def test_an_endless_chain_of_indexes_ends_at_the_depth_limit(deep: Deep) -> None:
    assert deep.report.finish_reason == "finished"
    # chain/1.xml is the configured source (level 0); chain/6.xml is the fifth level below it.
    assert deep.chain == {f"/chain/{n}.xml" for n in range(1, DEPTH + 2)}
    assert deep.report.stats["discovery/capped/depth"] >= 2


def test_an_index_loop_through_new_query_strings_ends_too(deep: Deep) -> None:
    assert deep.loop == {f"/loop.xml?page={n}" for n in range(1, DEPTH + 2)}


def test_articles_within_the_limits_are_fetched(deep: Deep) -> None:
    expected = [f"/a/{kind}-{n}/" for kind in ("chain", "loop") for n in range(1, DEPTH + 1)]
    assert deep.stored == sorted(expected)


def test_the_report_says_discovery_was_capped(deep: Deep) -> None:
    assert deep.report.summary.discovery_capped == {"depth": deep.report.stats["discovery/capped/depth"]}
    assert "discovery capped (depth " in format_summary(deep.report)


def test_a_wide_index_ends_at_the_document_limit(server: FixtureServer, tmp_path: Path) -> None:
    server.reset_log()
    report = crawl(site(server.base_url, "/fan.xml"), tmp_path, DEFCORPUS_DISCOVERY_MAX_DOCUMENTS=20)
    assert report.finish_reason == "finished"
    assert len(requested(server, r"/fan/\d+\.xml")) == 20
    assert report.summary.discovery_capped == {"documents": sitemap_traps.FAN_OUT - 20}
    assert report.articles_fetched == 20


@pytest.mark.parametrize("name", ["DEFCORPUS_DISCOVERY_MAX_DEPTH", "DEFCORPUS_DISCOVERY_MAX_DOCUMENTS"])
def test_a_limit_below_one_is_refused_before_the_first_request(name: str, tmp_path: Path) -> None:
    with pytest.raises(CrawlRefusedError, match="DEFCORPUS_DISCOVERY_MAX_DOCUMENTS must be positive"):
        crawl(site("http://127.0.0.1:9/", "/sitemap.xml"), tmp_path, **{name: 0})


def test_budget_counts_each_document_once() -> None:
    stats = MemoryStatsCollector(get_crawler())
    budget = DiscoveryBudget(DiscoveryLimits(max_depth=2, max_documents=2))
    assert budget.admit("https://x.example/a.xml", 1, stats)
    assert budget.admit("https://x.example/a.xml", 1, stats)  # a repeat costs nothing
    assert not budget.admit("https://x.example/deep.xml", 3, stats)
    assert budget.admit("https://x.example/b.xml", 2, stats)
    assert not budget.admit("https://x.example/c.xml", 1, stats)
    assert stats.get_stats() == {"discovery/capped": 2, "discovery/capped/depth": 1, "discovery/capped/documents": 1}


def test_limits_come_from_the_settings() -> None:
    settings = Settings({"DEFCORPUS_DISCOVERY_MAX_DEPTH": 3, "DEFCORPUS_DISCOVERY_MAX_DOCUMENTS": 50})
    assert DiscoveryLimits.from_settings(settings) == DiscoveryLimits(3, 50)

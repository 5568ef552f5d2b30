"""A page the clean rejects is asked for again by the next crawls, a few times at most.

The guard asks again for a page that is short by its word count; a placeholder it cannot tell by
length (a script shell with a paragraph of "updates will appear here", no headline yet) came back
as HTTP 200 without ETag or Last-Modified, was stored, and the clean rejected it (``no_headline``).
Before the fix no later crawl asked for it again: the article was never published.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import corpus
from corpus import layout
from corpus.store import Store, open_store
from crawlers.report import CrawlReport
from crawlers.sites import SiteConfig
from crawlers.state import load_state
from defcorpus.clean import clean_site
from defcorpus.clean_report import CleanReport
from tests.crawlers.test_short_pages import PARAGRAPHS, RETRIES, whole
from tests.support.crawling import article_paths, crawl, warc_responses
from tests.support.http import FixtureSite, Route, serving
from tests.support.pages import Story, day
from tests.support.publishers.plain import sitemap_routes
from tests.support.site_configs import fixture_site

pytestmark = pytest.mark.slow

SHELL_FIRST = Story("/2024/09/fleet-review/", "The fleet review is postponed", day(2024, 9, 3))
SHELL_ALWAYS = Story("/2024/09/never-filled/", "A page that stays a shell", day(2024, 9, 4))
RUNS = 5


def shell() -> bytes:
    """Long enough for the guard, no headline for the cleaner: a page its script has not filled yet."""
    text = " ".join(["Updates on this story will appear here shortly; please refresh the page to follow them."] * 6)
    return f"<!doctype html><html><head></head><body><div id='app'><p>{text}</p></div></body></html>".encode()


def build(base: str) -> FixtureSite:
    """No validators; the sitemap's <lastmod> is the publication time and stays."""
    entries = [(SHELL_FIRST.path, SHELL_FIRST.published), (SHELL_ALWAYS.path, SHELL_ALWAYS.published)]
    routes = {
        **sitemap_routes(base, entries),
        SHELL_FIRST.path: Route(shell(), then=Route(whole(base, SHELL_FIRST))),
        SHELL_ALWAYS.path: Route(shell()),
    }
    return FixtureSite(routes, {SHELL_FIRST.path, SHELL_ALWAYS.path})


@dataclass
class Runs:
    config: SiteConfig
    root: Path
    store: Store
    crawls: list[CrawlReport]
    cleans: list[CleanReport]
    asked: list[list[str]]  # per run: the article paths requested
    published: list[dict[str, dict[str, object]]]  # per run, after its clean: path -> latest row


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("store")
    with serving(build) as (server, site):
        config = fixture_site("shells", server.base_url)
        result = Runs(config, root, open_store(str(root)), [], [], [], [])
        for _ in range(RUNS):
            server.reset_log()
            result.crawls.append(crawl(config, root))
            result.asked.append(sorted(e.path for e in server.log if e.path in site.article_paths))
            result.cleans.append(clean_site(result.store, config))
            rows = corpus.open(result.store).articles(site=config.name).to_pylist()
            result.published.append({urlsplit(str(r["url"])).path: r for r in rows})
        yield result


def test_the_clean_rejects_the_shell_and_files_it_for_the_next_crawl(runs: Runs) -> None:
    assert runs.crawls[0].stats.get("guard/short", 0) == 0  # the guard's word count does not catch it
    assert runs.cleans[0].rejected["no_headline"] == 2
    assert runs.published[0] == {}
    state = load_state(runs.store, runs.config.name)
    assert {urlsplit(url).path for url, _ in state.rejected} >= {SHELL_FIRST.path, SHELL_ALWAYS.path}
    assert all(k.startswith(layout.rejected_state_prefix(runs.config.name)) for k in state.rejected_objects)


def test_the_next_crawl_asks_again_and_the_article_is_published(runs: Runs) -> None:
    assert SHELL_FIRST.path in runs.asked[1]
    assert runs.crawls[1].stats["incremental/rejected_retried"] == 2
    row = runs.published[1][SHELL_FIRST.path]
    assert row["headline"] == SHELL_FIRST.headline
    assert all(p in str(row["body"]) for p in PARAGRAPHS)


def test_a_published_article_is_not_asked_for_again(runs: Runs) -> None:
    assert [SHELL_FIRST.path in asked for asked in runs.asked] == [True, True, False, False, False]


def test_a_page_that_stays_rejected_is_asked_again_at_most_the_cap_and_stored_once(runs: Runs) -> None:
    assert [SHELL_ALWAYS.path in asked for asked in runs.asked] == [True] * (1 + RETRIES) + [False] * (
        RUNS - 1 - RETRIES
    )
    assert article_paths(warc_responses(runs.root, runs.config.name), runs.config).count(SHELL_ALWAYS.path) == 1
    assert SHELL_ALWAYS.path not in runs.published[-1]

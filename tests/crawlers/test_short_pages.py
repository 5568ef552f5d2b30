"""A page first served as a short placeholder is asked for again on the next runs, a few times at most.

Publishers put a URL in their sitemap and feed before its text is in (a headline and "story to
follow"), with no ETag or Last-Modified to ask with and a sitemap ``<lastmod>`` that stays put. The
first crawl stores the placeholder; before the fix every later crawl skipped the URL as known, so the
corpus kept the placeholder for good.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

import corpus
from corpus.store import open_store
from crawlers.middlewares.incremental import IncrementalMiddleware
from crawlers.sites import SiteConfig
from defcorpus.clean import clean_site
from tests.support.crawling import article_paths, crawl, warc_responses
from tests.support.http import FixtureSite, Route, serving
from tests.support.pages import Story, article_ld, day, page
from tests.support.publishers.plain import sitemap_routes
from tests.support.site_configs import fixture_site

pytestmark = pytest.mark.slow

PLACEHOLDER = Story("/2024/09/frigate-collision/", "Frigate collides with tanker", day(2024, 9, 3))
STUB = Story("/2024/09/always-a-stub/", "A page that stays a stub", day(2024, 9, 4))
WHOLE = Story("/2024/09/budget-passes/", "The defence budget passes", day(2024, 9, 5))
RUNS = 5
RETRIES = 3  # DEFCORPUS_INCREMENTAL_SHORT_RETRIES's default


PARAGRAPHS = [
    "The collision happened shortly after dawn, in fog, some twelve miles off the coast.",
    "Two sailors were treated for minor injuries; the tanker's crew was unhurt, its owner said.",
    "The navy has opened an inquiry and asked the coast guard for the tanker's voyage data.",
    "Divers will inspect the hull once the ship reaches the dockyard later this week.",
    "The frigate had been due to join an allied exercise in the North Sea next month.",
    "Officials would not say whether the ship's radar had been working at the time.",
    "A spokesman for the shipping company said the tanker was at anchor, waiting for a pilot.",
    "Repairs could take several months, depending on what the divers find below the waterline.",
]


def whole(base: str, story: Story) -> bytes:
    paragraphs = "".join(f"<p>{story.headline[:12]}. {p}</p>" for p in PARAGRAPHS)
    return page(story.headline, f"<article><h1>{story.headline}</h1>{paragraphs}</article>", article_ld(base, story))


def placeholder(base: str, story: Story) -> bytes:
    return page(
        story.headline, f"<article><h1>{story.headline}</h1><p>Story to follow.</p></article>", article_ld(base, story)
    )


def build(base: str) -> FixtureSite:
    """No validators anywhere; the placeholder's sitemap <lastmod> is its publication time and stays."""
    routes = {
        **sitemap_routes(base, [(PLACEHOLDER.path, PLACEHOLDER.published), (STUB.path, None), (WHOLE.path, None)]),
        PLACEHOLDER.path: Route(placeholder(base, PLACEHOLDER), then=Route(whole(base, PLACEHOLDER))),
        STUB.path: Route(placeholder(base, STUB)),
        WHOLE.path: Route(whole(base, WHOLE)),
    }
    return FixtureSite(routes, {PLACEHOLDER.path, STUB.path, WHOLE.path})


@dataclass
class Runs:
    config: SiteConfig
    store: Path
    reports: list[dict]
    asked: list[list[str]]  # per run: the article paths requested


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    store = tmp_path_factory.mktemp("store")
    with serving(build) as (server, site):
        config = fixture_site("placeholders", server.base_url)
        result = Runs(config, store, [], [])
        for _ in range(RUNS):
            server.reset_log()
            result.reports.append(crawl(config, store))
            result.asked.append(sorted(e.path for e in server.log if e.path in site.article_paths))
        yield result


def stored(runs: Runs, run: int) -> list[str]:
    keys = set(runs.reports[run].warc_keys)
    return article_paths([r for r in warc_responses(runs.store, runs.config.name) if r.key in keys], runs.config)


def test_the_first_run_stores_the_placeholder(runs: Runs) -> None:
    assert stored(runs, 0) == sorted([PLACEHOLDER.path, STUB.path, WHOLE.path])
    assert runs.reports[0].stats["guard/short"] == 2


def test_the_next_run_asks_again_and_stores_the_whole_article(runs: Runs) -> None:
    assert PLACEHOLDER.path in runs.asked[1]
    assert stored(runs, 1) == [PLACEHOLDER.path]
    assert runs.reports[1].summary.articles_updated == 1


def test_a_whole_article_is_not_asked_for_again(runs: Runs) -> None:
    assert [PLACEHOLDER.path in asked for asked in runs.asked] == [True, True, False, False, False]
    assert [WHOLE.path in asked for asked in runs.asked] == [True, False, False, False, False]


def test_a_page_that_stays_short_is_asked_again_a_few_times_and_never_stored_twice(runs: Runs) -> None:
    assert [STUB.path in asked for asked in runs.asked] == [True] * (1 + RETRIES) + [False] * (RUNS - 1 - RETRIES)
    assert article_paths(warc_responses(runs.store, runs.config.name), runs.config).count(STUB.path) == 1
    assert all(r.summary.articles_new + r.summary.articles_updated <= 3 for r in runs.reports)


def test_the_corpus_holds_the_whole_article(runs: Runs) -> None:
    clean_site(open_store(str(runs.store)), runs.config)
    latest = {
        urlsplit(a["url"]).path: a for a in corpus.open(str(runs.store)).articles(site="placeholders").to_pylist()
    }
    assert all(p in latest[PLACEHOLDER.path]["body"] for p in PARAGRAPHS)


def test_a_negative_number_of_retries_is_refused(tmp_path: Path) -> None:
    settings = {"DEFCORPUS_INCREMENTAL_ENABLED": True, "DEFCORPUS_STORE": str(tmp_path)}
    with pytest.raises(NotConfigured, match="SHORT_RETRIES"):
        build_from_crawler(
            IncrementalMiddleware, get_crawler(settings_dict={**settings, "DEFCORPUS_INCREMENTAL_SHORT_RETRIES": -1})
        )

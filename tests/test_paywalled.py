"""The crawler's paywall flag reaches the corpus: crawl a loopback site with a paywall stub, clean, read.

The stub (JSON-LD ``isAccessibleForFree: false`` and the site's paywall marker) is published with
``paywalled = True`` and a free article with False. When the publisher later serves the whole
article, the re-crawl publishes it as a new version with ``paywalled = False``. A store cleaned before
schema 1.1 (no ``paywalled`` column) gets the flag from its raw WARC by a re-clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

import corpus
from corpus.schema import SCHEMA_VERSION
from corpus.store import Store, open_store
from corpus.table import read_manifests
from crawlers.report import CrawlReport
from crawlers.sites import SiteConfig
from defcorpus.clean import clean_site
from defcorpus.clean_report import CleanReport
from defcorpus.reclean import reclean_site
from tests.support.crawling import crawl
from tests.support.http import FixtureSite, Route, serving
from tests.support.old_schema import downgrade_to_1_0
from tests.support.pages import Story, article_ld, day, json_ld, page
from tests.support.publishers.plain import sitemap_routes
from tests.support.site_configs import fixture_site

MARKER = "Subscribe to keep reading"
FREE = Story("/2024/07/frigate-sea-trials/", "Frigate completes its sea trials", day(2024, 7, 1))
LOCKED = Story("/2024/07/shipbuilding-budget/", "Inside the shipbuilding budget", day(2024, 7, 2))
PARAGRAPHS = {
    FREE.path: [
        "The navy's newest frigate returned to port on Friday after two weeks of sea trials in the North Sea.",
        "Engineers tested the propulsion plant at full power, and the crew fired the main gun for the first time.",
        "The ship is due to join the fleet next spring, once the remaining combat systems have been certified.",
    ],
    LOCKED.path: [
        "Parliament's defence committee published its review of the shipbuilding budget on Tuesday morning.",
        "The review found that three programmes had overrun by a combined four billion over the last decade.",
        "Officials blamed late design changes, a shortage of welders and the rising price of steel plate.",
        "The committee asked the ministry to report every quarter on the cost of the two largest programmes.",
    ],
}


def article_page(base: str, story: Story, *, stub: bool = False) -> bytes:
    """The whole article, or (``stub``) its first paragraph behind a paywall, as publishers mark one."""
    paragraphs = PARAGRAPHS[story.path][:1] if stub else PARAGRAPHS[story.path]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    head = article_ld(base, story)
    if stub:
        body += f'<div class="paywall">{MARKER}</div>'
        head += json_ld({"@context": "https://schema.org", "@type": "NewsArticle", "isAccessibleForFree": False})
    return page(story.headline, f"<article><h1>{story.headline}</h1>{body}</article>", head)


def build(base: str) -> FixtureSite:
    """ETags on the articles, so a re-crawl asks conditionally and sees the paywall lifted."""
    routes = {
        **sitemap_routes(base, [(FREE.path, None), (LOCKED.path, None)]),
        FREE.path: Route(article_page(base, FREE), etag='"free-v1"'),
        LOCKED.path: Route(article_page(base, LOCKED, stub=True), etag='"locked-v1"'),
    }
    return FixtureSite(routes, {FREE.path, LOCKED.path})


@dataclass
class Runs:
    config: SiteConfig
    store: Store  # crawled twice: the stub, then the whole article
    crawls: list[CrawlReport]
    cleans: list[CleanReport]
    old_store: Store  # crawled once and cleaned, then its batches rewritten as schema 1.0 wrote them


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    paths = [tmp_path_factory.mktemp("store"), tmp_path_factory.mktemp("old-store")]
    with serving(build) as (server, _):
        config = fixture_site("paysite", server.base_url, crawl={"paywall_markers": [MARKER]})
        store, old_store = (open_store(str(p)) for p in paths)
        result = Runs(config, store, [crawl(config, paths[0])], [clean_site(store, config)], old_store)
        crawl(config, paths[1])
        clean_site(old_store, config)
        for manifest in read_manifests(old_store):
            downgrade_to_1_0(old_store, manifest.batch_id)
        server.routes[LOCKED.path] = Route(article_page(server.base_url, LOCKED), etag='"locked-v2"')  # paywall lifted
        result.crawls.append(crawl(config, paths[0]))
        result.cleans.append(clean_site(store, config))
        yield result


pytestmark = pytest.mark.slow


def by_path(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["fetched_at"]):
        found.setdefault(urlsplit(row["url"]).path, []).append(row)
    return found


def test_stub_is_published_paywalled_and_the_free_article_not(runs: Runs) -> None:
    assert runs.crawls[0].summary.paywalled == 1
    first = runs.cleans[0]
    assert (first.articles_published, first.articles_paywalled) == (2, 1)
    history = by_path(corpus.open(runs.store).articles(latest=False).to_pylist())
    stub = history[LOCKED.path][0]
    assert stub["paywalled"] is True
    assert stub["body"].startswith(PARAGRAPHS[LOCKED.path][0]) and PARAGRAPHS[LOCKED.path][1] not in stub["body"]
    assert [r["paywalled"] for r in history[FREE.path]] == [False]


def test_whole_article_fetched_later_is_a_new_version_not_paywalled(runs: Runs) -> None:
    assert runs.crawls[1].summary.paywalled == 0
    second = runs.cleans[1]
    assert (second.articles_published, second.articles_paywalled) == (1, 0)  # the free article is unchanged
    history = by_path(corpus.open(runs.store).articles(latest=False).to_pylist())
    assert [r["paywalled"] for r in history[LOCKED.path]] == [True, False]
    assert len({r["content_hash"] for r in history[LOCKED.path]}) == 2
    assert [r["near_duplicate_of"] for r in history[LOCKED.path]] == [None, None]  # a version, not a copy
    assert history[LOCKED.path][1]["body"] == "\n\n".join(PARAGRAPHS[LOCKED.path])
    latest = by_path(corpus.open(runs.store).articles().to_pylist())
    assert [r["paywalled"] for r in latest[LOCKED.path]] == [False]


def test_reclean_publishes_the_flag_a_store_cleaned_before_1_1_lacked(runs: Runs) -> None:
    before = corpus.open(runs.old_store).articles().to_pylist()
    assert {(r["schema_version"], r["paywalled"]) for r in before} == {("1.0", False)}  # read as not paywalled
    report = reclean_site(runs.old_store, runs.config)
    assert (report.articles_published, report.articles_paywalled) == (2, 1)  # every row moves to 1.1
    latest = {path: rows[0] for path, rows in by_path(corpus.open(runs.old_store).articles().to_pylist()).items()}
    assert {path: (r["schema_version"], r["paywalled"]) for path, r in latest.items()} == {
        LOCKED.path: (SCHEMA_VERSION, True),
        FREE.path: (SCHEMA_VERSION, False),
    }

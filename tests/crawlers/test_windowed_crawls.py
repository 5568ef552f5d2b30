"""Consecutive crawl windows (scheduled runs, a backfill) lose nothing and fetch nothing twice.

A sitemap ``<lastmod>`` is when a page last changed, not when it was published: an article published
on 28 November and edited on 2 December belongs to November's window. Each sequence below crawls one
store window by window, counts the article fetches per URL across the whole sequence (answers with
the page: a conditional request answered 304 fetches nothing), cleans the store, and compares the
published articles with one unwindowed crawl of the same site.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import corpus
from corpus.store import open_store
from crawlers.runner import CrawlJob, run_crawl
from crawlers.sites import SiteConfig, get_site
from defcorpus.clean import clean_site
from defcorpus.minisite import load_content
from tests.support import minisite_facts as facts
from tests.support.crawling import LOOPBACK
from tests.support.http import FixtureSite, Route, serving
from tests.support.pages import Story, article_ld, day, page
from tests.support.publishers.plain import sitemap_routes
from tests.support.site_configs import fixture_site

pytestmark = pytest.mark.slow

MONTHS = ["2022-11-01", "2022-12-01", "2023-01-01", "2023-02-01"]
MID_MONTH = ["2022-11-01", "2022-11-16", "2022-12-16", "2023-02-01"]  # URL months straddle the bounds
EDITED = "/2022/11/russia-black-sea-fleet-hiding-from-sea-drones/"  # published 28 Nov, edited 2 Dec


@dataclass
class Sequence:
    fetches: Counter[str]  # article path -> 200 answers across every window (a 304 is not a fetch)
    emitted: list[tuple[str, str, str]]  # (since, until, path) of each crawl item
    published: list[tuple[str, str]]  # (path, content hash) of every published row


Span = tuple[str | None, str | None]


def windows(bounds: list[str]) -> list[Span]:
    return list(pairwise(bounds))


def crawl(site: SiteConfig, store: Path, since: str | None, until: str | None, items: Path) -> dict[str, Any]:
    """One crawl whose items (the articles it reports as this window's) go to ``items`` as JSON lines."""
    feeds = json.dumps({items.as_uri(): {"format": "jsonlines", "overwrite": True}})
    job = CrawlJob(site=site, store=str(store), since=since, until=until, settings={**LOOPBACK, "FEEDS": feeds})
    return run_crawl(job)


def run_sequence(site: SiteConfig, store: Path, spans: list[Span], requests: Any, reset: Any) -> Sequence:
    result = Sequence(Counter(), [], [])
    reset()
    for since, until in spans:
        items = store.parent / f"{store.name}-items.jsonl"
        crawl(site, store, since, until, items)
        for line in items.read_text().splitlines():
            result.emitted.append((since or "", until or "", urlsplit(json.loads(line)["url"]).path))
    result.fetches.update(requests())
    clean_site(open_store(str(store)), site)
    rows = corpus.open(str(store)).articles(site=site.name, latest=False).to_pylist()
    result.published = sorted((urlsplit(r["url"]).path, r["content_hash"]) for r in rows)
    return result


# ------------------------------------------------------------------------------- the mini-site


@dataclass
class MiniRuns:
    unwindowed: Sequence
    monthly: Sequence
    mid_month: Sequence


@pytest.fixture(scope="module")
def mini(minisite: Any, tmp_path_factory: pytest.TempPathFactory) -> MiniRuns:
    site = get_site("minisite").with_base_url(minisite.base_url)
    paths = facts.article_paths()

    def requests() -> Counter[str]:
        return Counter({p: n for p, n in minisite.fetches.items() if p in paths})

    def run(spans: list[Span]) -> Sequence:
        return run_sequence(site, tmp_path_factory.mktemp("store"), spans, requests, minisite.reset_requests)

    return MiniRuns(run([(None, None)]), run(windows(MONTHS)), run(windows(MID_MONTH)))


def published_in(path: str) -> datetime:
    return next(a.date_published for a in load_content().public if a.path == path)


def test_november_then_december_fetches_the_article_edited_in_december(mini: MiniRuns) -> None:
    assert mini.monthly.fetches[EDITED] == 1
    assert ("2022-11-01", "2022-12-01", EDITED) in mini.monthly.emitted


@pytest.mark.parametrize("sequence", ["monthly", "mid_month"])
def test_consecutive_windows_fetch_every_article_exactly_once(mini: MiniRuns, sequence: str) -> None:
    fetches = getattr(mini, sequence).fetches
    assert set(fetches) == facts.article_paths()
    assert {p: n for p, n in fetches.items() if n != 1} == {}


@pytest.mark.parametrize("sequence", ["monthly", "mid_month"])
def test_consecutive_windows_publish_what_one_unwindowed_crawl_publishes(mini: MiniRuns, sequence: str) -> None:
    published = getattr(mini, sequence).published
    assert published == mini.unwindowed.published
    assert {p for p, _ in published} == facts.article_paths()


@pytest.mark.parametrize("sequence", ["monthly", "mid_month"])
def test_a_window_reports_only_articles_published_inside_it(mini: MiniRuns, sequence: str) -> None:
    emitted = getattr(mini, sequence).emitted
    assert len({path for _, _, path in emitted}) == len(emitted)
    for since, until, path in emitted:
        assert datetime.fromisoformat(since).replace(tzinfo=UTC) <= published_in(path), path
        assert published_in(path) < datetime.fromisoformat(until).replace(tzinfo=UTC), path


# ----------------------------------------------- a site whose URLs carry no date: the page decides

# (story, sitemap <lastmod>, how the page states its date: JSON-LD, an article:published_time meta, or not at all)
UNDATED = [
    (Story("/news/frigate-trials/", "Frigate trials begin", day(2022, 10, 20)), day(2022, 10, 20), "ld"),
    (Story("/news/fleet-hides/", "The fleet hides in port", day(2022, 11, 28)), day(2022, 12, 2), "ld"),
    (Story("/news/drone-budget/", "A budget for drones", day(2022, 11, 5)), day(2023, 1, 10), "meta"),
    (Story("/news/tank-orders/", "Tank orders rise", day(2022, 12, 15)), day(2022, 12, 15), "meta"),
    # 23:30 in New York on 31 December is 04:30 UTC on 1 January
    (Story("/news/new-year-launch/", "A launch at new year", datetime(2023, 1, 1, 4, 30, tzinfo=UTC)), None, "ld"),
    (Story("/news/undated-brief/", "A brief with no date", day(2022, 11, 10)), day(2022, 11, 10), "none"),
]
UNDATED_WINDOWS = ["2022-10-01", "2022-11-01", "2022-12-01", "2023-01-01", "2023-02-01"]


def undated_page(base: str, story: Story, how: str) -> bytes:
    words = story.headline.lower().split()
    body = "".join(
        f"<p>{story.headline}: paragraph {n} on the {words[-1]} and the {words[1]}, as officials described it.</p>"
        for n in range(8)
    )
    head = {"ld": article_ld(base, story), "none": ""}.get(
        how, f'<meta property="article:published_time" content="{story.published.isoformat()}">'
    )
    return page(story.headline, f"<article><h1>{story.headline}</h1>{body}</article>", head)


def build_undated(base: str) -> FixtureSite:
    routes = {
        **sitemap_routes(base, [(s.path, lastmod) for s, lastmod, _ in UNDATED]),
    }
    routes.update({s.path: Route(undated_page(base, s, how)) for s, _, how in UNDATED})
    return FixtureSite(routes, {s.path for s, _, _ in UNDATED})


@dataclass
class UndatedRuns:
    unwindowed: Sequence
    forward: Sequence
    backward: Sequence  # ``airflow backfill create --run-backwards``: the newest window first


@pytest.fixture(scope="module")
def undated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UndatedRuns]:
    with serving(build_undated) as (server, fixture):
        site = fixture_site("undated", server.base_url, allow=r"^/news/[a-z-]+/$")

        def requests() -> Counter[str]:
            return Counter(e.path for e in server.log if e.path in fixture.article_paths and not e.conditional)

        def run(spans: list[Span]) -> Sequence:
            return run_sequence(site, tmp_path_factory.mktemp("store"), spans, requests, server.reset_log)

        spans = windows(UNDATED_WINDOWS)
        yield UndatedRuns(run([(None, None)]), run(spans), run(spans[::-1]))


@pytest.mark.parametrize("sequence", ["forward", "backward"])
def test_undated_urls_are_fetched_once_and_published_as_unwindowed(undated: UndatedRuns, sequence: str) -> None:
    run = getattr(undated, sequence)
    assert run.fetches == Counter({s.path: 1 for s, _, _ in UNDATED})
    assert run.published == undated.unwindowed.published
    assert len(run.published) == len(UNDATED)


@pytest.mark.parametrize("sequence", ["forward", "backward"])
def test_undated_urls_are_reported_only_in_the_window_of_their_page_date(undated: UndatedRuns, sequence: str) -> None:
    dated = {s.path: (s.published if how != "none" else None) for s, _, how in UNDATED}
    emitted = getattr(undated, sequence).emitted
    assert len({path for _, _, path in emitted}) == len(emitted)
    for since, until, path in emitted:
        published = dated[path]
        if published is not None:
            assert datetime.fromisoformat(since).replace(tzinfo=UTC) <= published, path
            assert published < datetime.fromisoformat(until).replace(tzinfo=UTC), path

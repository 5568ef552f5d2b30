"""Canonical URLs that would give one article another's id, crawled and cleaned end to end.

Two publishers on loopback, each on a host of its own: the original (127.0.0.1) and a copier
(127.0.0.2) crawled after it. The copier prints the original's article URL as the canonical of its
own page (a scraped copy), its home page as the canonical of every article (a CMS fault), and its
newest story as the canonical of older ones. The original links one story from its feed with
tracking parameters and from its sitemap without. The corpus must hold each page as its own article:
the copier never replaces the original's article, and the copier's pages never collapse into one.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest

import corpus
from corpus.schema import article_id
from corpus.store import Store, open_store
from crawlers.sites import SiteConfig
from defcorpus.clean import clean_site
from defcorpus.clean_report import CleanReport
from defcorpus.export import export
from defcorpus.reclean import reclean_site
from tests.support.crawling import crawl
from tests.support.http import RSS, TEXT, XML, FixtureSite, Route, serving
from tests.support.pages import Story, article_ld, day, page, robots, rss, urlset
from tests.support.raw import paragraph
from tests.support.site_configs import FEED, SITEMAP, fixture_site

pytestmark = pytest.mark.reliability

COPIED = Story("/a/frigate-trials/", "Frigate trials begin in the North Sea", day(2024, 9, 2))
TRACKED = Story("/a/budget-vote/", "Parliament votes the defence budget", day(2024, 9, 3))
FEED_LINK = "/a/budget-vote/?utm_source=rss&amp;utm_medium=feed&amp;fbclid=abc"  # as the feed's XML prints it
HOME_CANONICAL = [Story(f"/b/home-{n}/", f"Copier story {n}", day(2024, 9, 10 + n)) for n in range(3)]
NEWEST = Story("/b/newest/", "The copier's newest story", day(2024, 9, 20))
OLDER = [Story(f"/b/older-{n}/", f"An older copier story {n}", day(2024, 9, 14 + n)) for n in range(2)]
COPY = Story("/b/frigate-copy/", "Frigate trials: our take", day(2024, 9, 4))


def _text(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(f"<p>{paragraph(rng)}</p>" for _ in range(5))


def _article(base: str, story: Story, seed: int, canonical: str | None) -> Route:
    head = article_ld(base, story) + (f'<link rel="canonical" href="{canonical}">' if canonical else "")
    return Route(page(story.headline, f"<article><h1>{story.headline}</h1>{_text(seed)}</article>", head))


def original(base: str) -> FixtureSite:
    feed = [COPIED, Story(FEED_LINK, TRACKED.headline, TRACKED.published)]
    routes = {
        "/robots.txt": Route(robots(base, "/sitemap.xml"), content_type=TEXT),
        "/feed/": Route(rss(base, feed), content_type=RSS),
        "/sitemap.xml": Route(urlset(base, [(s.path, s.published) for s in (COPIED, TRACKED)]), content_type=XML),
        COPIED.path: _article(base, COPIED, 1, COPIED.url(base)),
    }
    tracked = _article(base, TRACKED, 2, None)  # no rel=canonical: the fetched URL is the identity
    routes[TRACKED.path] = tracked
    routes[FEED_LINK.replace("&amp;", "&")] = tracked
    return FixtureSite(routes, {COPIED.path, TRACKED.path})


def copier(original_base: str) -> Callable[[str], FixtureSite]:
    def build(base: str) -> FixtureSite:
        stories = [COPY, *HOME_CANONICAL, NEWEST, *OLDER]
        routes = {
            "/robots.txt": Route(robots(base), content_type=TEXT),
            "/feed/": Route(rss(base, stories), content_type=RSS),
            COPY.path: _article(base, COPY, 10, COPIED.url(original_base)),
            NEWEST.path: _article(base, NEWEST, 20, NEWEST.url(base)),
        }
        routes.update({s.path: _article(base, s, 11 + n, base) for n, s in enumerate(HOME_CANONICAL)})
        routes.update({s.path: _article(base, s, 21 + n, NEWEST.url(base)) for n, s in enumerate(OLDER)})
        return FixtureSite(routes, {s.path for s in stories})

    return build


def config(name: str, base: str, allow: str) -> SiteConfig:
    return fixture_site(name, base, sources=(FEED, SITEMAP), allow=allow)


@dataclass
class Run:
    store: Store
    original: SiteConfig
    copier: SiteConfig
    reports: dict[str, CleanReport]
    latest: dict[str, dict[str, object]]  # id -> row, as readers see the corpus
    rows: list[dict[str, object]]  # every published version
    exported: list[dict[str, object]]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    root: Path = tmp_path_factory.mktemp("identity")
    store = open_store(str(root / "store"))
    reports = {}
    with serving(original) as (server_a, _):
        site_a = config("original", server_a.base_url, r"^/a/[a-z0-9-]+/$")
        with serving(copier(server_a.base_url), host="127.0.0.2") as (server_b, _):
            site_b = config("copier", server_b.base_url, r"^/b/[a-z0-9-]+/$")
            for site in (site_a, site_b):  # the copier is crawled later: its pages are the newer fetches
                assert crawl(site, root / "store").finish_reason == "finished"
                reports[site.name] = clean_site(store, site)
    reader = corpus.open(store)
    latest = {row["id"]: row for row in reader.articles().to_pylist()}
    export(store, str(root / "export.jsonl"))
    exported = [json.loads(line) for line in (root / "export.jsonl").read_text().splitlines()]
    yield Run(store, site_a, site_b, reports, latest, reader.articles(latest=False).to_pylist(), exported)


def test_a_copy_naming_the_original_as_canonical_never_replaces_it(run: Run) -> None:
    original_id = article_id(COPIED.url(run.original.base_url))
    for rows in (run.latest, {r["id"]: r for r in run.exported}):
        assert rows[original_id]["site"] == "original"
        assert rows[original_id]["headline"] == COPIED.headline
    assert {r["site"] for r in run.rows if r["id"] == original_id} == {"original"}
    copy_url = COPY.url(run.copier.base_url)
    assert run.latest[article_id(copy_url)]["canonical_url"] == copy_url
    assert run.reports["copier"].dropped_values["canonical_off_site"] == 1


def test_pages_with_the_home_page_as_canonical_stay_distinct(run: Run) -> None:
    for story in HOME_CANONICAL:
        row = run.latest[article_id(story.url(run.copier.base_url))]
        assert (row["headline"], row["site"]) == (story.headline, "copier")
    assert article_id(run.copier.base_url) not in run.latest
    assert run.reports["copier"].dropped_values["canonical_not_article"] == len(HOME_CANONICAL)


def test_pages_sharing_an_article_canonical_stay_distinct(run: Run) -> None:
    for story in [NEWEST, *OLDER]:
        assert run.latest[article_id(story.url(run.copier.base_url))]["headline"] == story.headline
    assert run.reports["copier"].dropped_values["canonical_shared"] == len(OLDER)


def test_every_page_is_one_article_and_no_more(run: Run) -> None:
    assert sorted(r["headline"] for r in run.latest.values()) == sorted(
        s.headline for s in [COPIED, TRACKED, COPY, *HOME_CANONICAL, NEWEST, *OLDER]
    )


def test_a_feed_link_with_tracking_and_the_sitemap_link_are_one_article(run: Run) -> None:
    fetched = {r["url"] for r in run.rows if r["headline"] == TRACKED.headline}
    versions = {(r["id"], r["canonical_url"]) for r in run.rows if r["headline"] == TRACKED.headline}
    plain = TRACKED.url(run.original.base_url)
    assert versions == {(article_id(plain), plain)}
    assert len(fetched) == 1  # the second fetch is the same version: not published again
    assert sum(r["headline"] == TRACKED.headline for r in run.latest.values()) == 1


def test_reclean_keeps_every_page_one_article_and_publishes_nothing(run: Run) -> None:
    """A re-clean (the whole site as one batch) gives each article the id the clean gave: no duplicate."""
    for site in (run.original, run.copier):
        report = reclean_site(run.store, site)
        assert report.articles_published == 0, site.name
    reader = corpus.open(run.store)
    assert reader.articles(latest=False).num_rows == len(run.rows)
    assert sorted(r["headline"] for r in reader.articles().to_pylist()) == sorted(
        s.headline for s in [COPIED, TRACKED, COPY, *HOME_CANONICAL, NEWEST, *OLDER]
    )


# Two incremental cleans: the CMS prints its newest story's URL as the canonical of each page it
# publishes, and the newest story is never linked. Its first page is cleaned in the first run, its
# second in the next: each clean's batch holds one of them, so only the version index can tell them apart.
FIRST = Story("/c/first-claimant/", "The first page under a borrowed canonical", day(2024, 9, 21))
SECOND = Story("/c/second-claimant/", "A second page under the same canonical", day(2024, 9, 22))
BORROWED = "/c/newest-story/"


def claimants(base: str) -> FixtureSite:
    borrowed = urljoin(base, BORROWED)
    routes = {
        "/robots.txt": Route(robots(base), content_type=TEXT),
        "/feed/": Route(rss(base, [FIRST]), content_type=RSS, then=Route(rss(base, [FIRST, SECOND]), content_type=RSS)),
        FIRST.path: _article(base, FIRST, 31, borrowed),
        SECOND.path: _article(base, SECOND, 32, borrowed),
    }
    return FixtureSite(routes, {FIRST.path, SECOND.path})


def _two_cleans(tmp_path: Path) -> tuple[Store, SiteConfig, list[CleanReport]]:
    """The claimants' site crawled and cleaned twice: one page under the borrowed canonical per run."""
    store = open_store(str(tmp_path / "store"))
    reports = []
    with serving(claimants) as (server, _):
        site = fixture_site("claimants", server.base_url, sources=(FEED,), allow=r"^/c/[a-z0-9-]+/$")
        for _ in range(2):
            assert crawl(site, tmp_path / "store").finish_reason == "finished"
            reports.append(clean_site(store, site))
    return store, site, reports


def test_a_later_page_sharing_a_canonical_never_replaces_the_article_an_earlier_clean_published(
    tmp_path: Path,
) -> None:
    store, site, reports = _two_cleans(tmp_path)
    assert [r.articles_published for r in reports] == [1, 1]
    latest = {row["headline"]: row for row in corpus.open(store).articles().to_pylist()}
    assert sorted(latest) == sorted([FIRST.headline, SECOND.headline])
    # The page the article was published from keeps its id; the later claimant keeps its own URL.
    assert latest[FIRST.headline]["id"] == article_id(urljoin(site.base_url, BORROWED))
    assert latest[SECOND.headline]["id"] == article_id(SECOND.url(site.base_url))
    assert reports[1].dropped_values["canonical_shared"] == 1


def test_a_reclean_keeps_the_borrowed_canonical_with_the_page_the_incremental_cleans_published_it_from(
    tmp_path: Path,
) -> None:
    """The re-clean's batch holds both claimants: the version index names the one that holds the id."""
    store, site, _ = _two_cleans(tmp_path)
    before = {row["headline"]: row["id"] for row in corpus.open(store).articles().to_pylist()}
    report = reclean_site(store, site)
    rows = corpus.open(store).articles().to_pylist()
    assert sorted(r["headline"] for r in rows) == sorted([FIRST.headline, SECOND.headline])  # each text once
    assert {r["headline"]: r["id"] for r in rows} == before
    assert (report.articles_published, report.articles_unchanged) == (0, 2)
    assert report.dropped_values["canonical_shared"] == 1

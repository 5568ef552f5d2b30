"""Incremental crawling end to end: a re-run with nothing new asks only conditionally (or not at all)
and stores nothing; a changed article becomes a new version; state lives in the store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.sites import SiteConfig
from tests.support.crawling import article_paths, crawl, warc_responses
from tests.support.http import TEXT, XML, FixtureServer, FixtureSite, Route, serving
from tests.support.pages import Story, article_ld, day, page, robots, urlset
from tests.support.site_configs import fixture_site

VALIDATED = [Story(f"/2024/09/validated-{n}/", f"Validated {n}", day(2024, 9, n + 1)) for n in range(4)]
DATED = [Story(f"/2024/09/dated-{n}/", f"Dated {n}", day(2024, 9, n + 10)) for n in range(2)]
BARE = [Story("/2024/09/bare/", "Bare", day(2024, 9, 20))]
ALL = VALIDATED + DATED + BARE


def html(base: str, story: Story, version: int = 1) -> bytes:
    return page(story.headline, f"<p>Version {version}. {story.body}</p>" * 20, article_ld(base, story))


def sitemap(base: str, dated_lastmod: dict[str, datetime]) -> Route:
    entries = [(s.path, None) for s in VALIDATED + BARE] + [(s.path, dated_lastmod[s.path]) for s in DATED]
    return Route(urlset(base, entries), content_type=XML)


def build(base: str) -> FixtureSite:
    routes = {
        "/robots.txt": Route(robots(base, "/sitemap.xml"), content_type=TEXT),
        "/sitemap.xml": sitemap(base, {s.path: s.published for s in DATED}),
    }
    for s in VALIDATED:  # ETag and Last-Modified: conditional requests
        routes[s.path] = Route(html(base, s), etag=f'"{s.path}-v1"', last_modified=s.published)
    for s in DATED + BARE:  # no validators; DATED has a sitemap <lastmod>, BARE has nothing
        routes[s.path] = Route(html(base, s))
    return FixtureSite(routes, {s.path for s in ALL})


@dataclass
class Runs:
    server: FixtureServer
    config: SiteConfig
    store: Path
    reports: list[dict]
    requests: list[list[tuple[str, bool]]]  # per run: (article path, conditional?)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    store = tmp_path_factory.mktemp("store")
    with serving(build) as (server, site):
        config = fixture_site("incremental", server.base_url)
        result = Runs(server, config, store, [], [])

        def run() -> None:
            server.reset_log()
            result.reports.append(crawl(config, store))
            result.requests.append([(e.path, e.conditional) for e in server.log if e.path in site.article_paths])

        run()  # 1: first crawl
        run()  # 2: nothing changed
        changed, redated = VALIDATED[0], DATED[0]  # 3: one article edited (new ETag), one re-dated and edited
        server.routes[changed.path] = Route(
            html(server.base_url, changed, 2), etag=f'"{changed.path}-v2"', last_modified=datetime.now(UTC)
        )
        server.routes[redated.path] = Route(html(server.base_url, redated, 2))
        server.routes["/sitemap.xml"] = sitemap(
            server.base_url, {DATED[0].path: datetime.now(UTC), DATED[1].path: DATED[1].published}
        )
        run()
        yield result


pytestmark = pytest.mark.slow


def test_first_run_fetches_everything(runs: Runs) -> None:
    assert sorted(p for p, _ in runs.requests[0]) == sorted(s.path for s in ALL)
    assert runs.reports[0].summary.articles_new == len(ALL)


def test_no_change_rerun_makes_only_conditional_article_requests(runs: Runs) -> None:
    second = runs.requests[1]
    assert [p for p, conditional in second if not conditional] == []
    assert sorted(p for p, _ in second) == sorted(s.path for s in VALIDATED)  # dated and bare: not asked
    summary = runs.reports[1].summary
    assert summary.articles_unchanged == len(ALL)
    assert summary.articles_new == summary.articles_updated == 0
    assert summary.responses_by_status.get("304") == len(VALIDATED)


def test_no_change_rerun_stores_no_article(runs: Runs) -> None:
    first_two = {*runs.reports[0].warc_keys, *runs.reports[1].warc_keys}
    stored = [r for r in warc_responses(runs.store, runs.config.name) if r.key in first_two]
    assert article_paths(stored, runs.config) == sorted(s.path for s in ALL)  # each once, from run 1


def test_changed_articles_become_new_versions(runs: Runs) -> None:
    summary = runs.reports[2].summary
    assert summary.articles_updated == 2
    assert summary.articles_unchanged == len(ALL) - 2
    third = [r for r in warc_responses(runs.store, runs.config.name) if r.key in runs.reports[2].warc_keys]
    assert article_paths(third, runs.config) == sorted([VALIDATED[0].path, DATED[0].path])


def test_state_is_kept_in_the_store(runs: Runs) -> None:
    keys = [p.relative_to(runs.store).as_posix() for p in (runs.store / "state").rglob("*") if p.is_file()]
    assert keys and all(k.startswith("state/incremental/fetched/") for k in keys)

"""Onboarding a site from its home page alone (``crawlers.onboarding``), on loopback imitations.

For each platform family, the config ``onboard_site`` writes is crawled and must find exactly the
articles; on the bundled mini-site the whole user sequence runs: sites add -> run --sites-file -> export.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from corpus.export import export
from corpus.jobs import clean_site, crawl_site
from corpus.store import open_store
from crawlers.discovery import feeds_in_html, infer_article_pattern
from crawlers.minisite import facts, serve
from crawlers.onboarding import onboard_site, to_toml
from crawlers.sites import SiteConfigError, get_site
from tests.crawlers.crawling import LOOPBACK, article_paths, crawl, warc_responses
from tests.crawlers.servers import TEXT, FixtureSite, Route, serving
from tests.crawlers.test_platforms import PLATFORMS


@pytest.mark.parametrize(
    ("urls", "article", "not_article"),
    [
        (["https://x.com/2024/01/a-b/", "https://x.com/2024/02/c-d-e/"], "/2023/12/new-story/", "/2023/12/"),
        (
            ["https://d.com/air/2024/01/15/f-35-new/", "https://d.com/news/pentagon-congress/2024/01/15/deal-done/"],
            "/land/2025/03/04/tank-upgrade/",
            "/land/",
        ),
        (
            ["https://t.com/air/b-21-raider", "https://t.com/news-features/drone-war-update"],
            "/sea/navy-laser-test",
            "/sea",
        ),
        (
            ["https://n.org/blog/buzz/the-navy-208765", "https://n.org/feature/a-new-cold-war-209876"],
            "/blog/the-reboot/deterrence-works-210001",
            "/node/208765",
        ),
        (
            ["https://u.org.uk/royal-navy-frigate/", "https://u.org.uk/army-new-howitzers/"],
            "/raf-typhoons-scrambled/",
            "/category/navy/",
        ),
    ],
)
def test_infer_article_pattern(urls: list[str], article: str, not_article: str) -> None:
    pattern = infer_article_pattern(urls)
    config = get_site("minisite").model_copy(
        update={
            "articles": get_site("minisite").articles.model_copy(update={"allow": pattern.allow, "deny": pattern.deny})
        }
    )
    assert config.is_article_url(f"https://x.com{article}")
    assert not config.is_article_url(f"https://x.com{not_article}")


def test_feeds_in_html() -> None:
    html = (
        b'<head><link rel="alternate" type="application/rss+xml" href="/feed/">'
        b'<link rel="alternate" type="application/rss+xml" href="/comments/feed/">'
        b'<link rel="stylesheet" href="/s.css"></head>'
    )
    assert feeds_in_html(html, "https://e.com/") == ["https://e.com/feed/"]


def test_toml_round_trip() -> None:
    data = {
        "name": "x",
        "sources": [{"type": "rss", "url": "/feed/"}],
        "articles": {"allow": [r"^/\d{4}/"]},
        "verification": {"confirmed": ["it's here", "a", "b"], "assumed": []},
    }
    assert tomllib.loads(to_toml(data, header="# hi\n")) == data


@pytest.mark.slow
@pytest.mark.parametrize(("family", "fixture", "publisher"), PLATFORMS, ids=[p[0] for p in PLATFORMS])
def test_onboarded_config_crawls_the_platform(family: str, fixture: ModuleType, publisher: str, tmp_path: Path) -> None:
    sites_file = tmp_path / "newsite.toml"
    with serving(fixture.build) as (server, site):
        result = onboard_site("newsite", server.base_url, sites_file, delay=0)
        server.reset_log()
        config = get_site("newsite", sites_file)  # exactly what `run --sites-file` loads
        report = crawl(config, tmp_path / "store")
        requested = {entry.path for entry in server.log}

    assert result.requests <= 12
    assert any(line.startswith("sampled 3 article URL(s): 3 carry") for line in result.found)
    assert article_paths(warc_responses(tmp_path / "store", "newsite"), config) == sorted(site.article_paths)
    assert not requested & site.non_article_paths
    assert report["summary"]["articles_new"] == len(site.article_paths)


def test_refuses_to_overwrite_and_needs_routes(tmp_path: Path) -> None:
    existing = tmp_path / "taken.toml"
    existing.write_text("")
    with pytest.raises(SiteConfigError, match="already exists"):
        onboard_site("taken", "http://127.0.0.1:9/", existing, delay=0)

    def bare(base: str) -> FixtureSite:
        return FixtureSite(
            {
                "/": Route(b"<html><title>Bare</title></html>"),
                "/robots.txt": Route(b"User-agent: *\n", content_type=TEXT),
            },
            set(),
        )

    with serving(bare) as (server, _), pytest.raises(SiteConfigError, match="no sitemap and no feed"):
        onboard_site("bare", server.base_url, tmp_path / "bare.toml", delay=0)


@pytest.mark.slow
def test_sites_add_then_run_then_export_on_an_unseen_site(tmp_path: Path) -> None:
    sites_file, out = tmp_path / "sites" / "mini.toml", tmp_path / "mini.jsonl"
    store = open_store(str(tmp_path / "store"))
    with serve() as server:
        result = onboard_site("unseen", server.base_url, sites_file, delay=0)
        site = get_site("unseen", sites_file)
        crawl_site(store.url, site, settings=LOOPBACK)
    clean_site(store, site)
    count = export(store, str(out), fmt="jsonl", site="unseen")

    assert result.site.platform == "wordpress"
    assert count == len(facts.article_paths())
    urls = {json.loads(line)["url"].removeprefix(server.base_url) for line in out.read_text().splitlines()}
    assert urls == facts.article_paths()

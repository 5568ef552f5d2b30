"""Every shipped publisher's article rules against real URLs of that publisher.

``../shared/publisher-urls/urls.json`` (next to the repository) labels URLs that public files name
(feed lists, scrapers' fixtures, link lists) as ``article`` or ``non-article``; none is fetched here.
Each URL is put through ``SiteConfig.is_article_url``, the check the spider's discovery makes
(``NewsSpider._wanted``) before it requests a page: articles must pass and the rest (author, tag,
section, video, podcast and newsletter pages, feeds) must not.

Without the list the tests skip, except under ``CI=true``, where a missing list is a failure.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from crawlers.sites import SITES_DIR, SiteConfig, load_site_file, site_files
from tests.support.shared import SHARED, require_input

URLS_FILE = SHARED / "publisher-urls" / "urls.json"
KINDS = ("article", "non-article")
DEMO_DIR = SITES_DIR / "demo"  # the bundled mini-site, served on loopback: no public URLs


def _publishers() -> dict[str, SiteConfig]:
    sites = (load_site_file(path) for path in site_files() if not path.is_relative_to(DEMO_DIR))
    return {site.name: site for site in sites}


def _load_urls() -> dict[str, list[dict[str, str]]] | None:
    if not URLS_FILE.is_file():
        return None
    data: dict[str, list[dict[str, str]]] = json.loads(URLS_FILE.read_text(encoding="utf-8"))
    return data


PUBLISHERS = _publishers()
URLS = _load_urls()


def _require_urls() -> dict[str, list[dict[str, str]]]:
    require_input(URLS_FILE, "the publisher-urls list")
    assert URLS is not None, f"{URLS_FILE} appeared after the tests were collected"
    return URLS


def _cases() -> list[object]:
    if URLS is None:  # one case that skips, or fails under CI
        return [pytest.param("", "", "", id="publisher-urls-missing")]
    cases: list[object] = []
    for site, entries in sorted(URLS.items()):
        for entry in entries:
            parts = urlsplit(entry["url"])
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            cases.append(pytest.param(site, entry["url"], entry["kind"], id=f"{site}:{entry['kind']}:{target}"))
    return cases


@pytest.mark.parametrize(("site", "url", "kind"), _cases())
def test_article_rules_sort_the_publishers_urls(site: str, url: str, kind: str) -> None:
    _require_urls()
    assert site in PUBLISHERS, f"{site!r} in {URLS_FILE.name} is not a configured publisher"
    config = PUBLISHERS[site]
    assert kind in KINDS, f"unknown kind {kind!r}"
    host = urlsplit(url).hostname or ""
    assert any(host == d or host.endswith(f".{d}") for d in config.allowed_domains), f"{host} is not {site}'s"
    if kind == "article":
        assert config.is_article_url(url), f"{site}: article refused by {config.articles.allow}"
    else:
        assert not config.is_article_url(url), f"{site}: non-article accepted ({config.articles})"


@pytest.mark.parametrize("site", sorted(PUBLISHERS))
def test_every_publisher_has_article_urls_in_the_list(site: str) -> None:
    urls = _require_urls()
    articles = [e["url"] for e in urls.get(site, []) if e["kind"] == "article"]
    assert articles, f"{URLS_FILE.name} has no article URL of {site}: add some to check its rules"


def test_demo_site_is_the_only_config_left_out() -> None:
    left_out = {load_site_file(path).name for path in site_files() if path.is_relative_to(DEMO_DIR)}
    assert left_out == {"minisite"}

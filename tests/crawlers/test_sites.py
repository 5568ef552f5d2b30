"""Site configs: the shipped ones load; a bad one fails naming the file, the key and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.sites import SiteConfigError, get_site, load_site_file, load_sites

GOOD = """
name = "example"
title = "Example News"
base_url = "https://news.example.com"
[[sources]]
type = "rss"
url = "/feed/"
[articles]
allow = ['^/\\d{4}/\\d{2}/[a-z0-9-]+/$']
"""


def write(tmp_path: Path, text: str, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shipped_sites_load() -> None:
    sites = load_sites()
    assert "minisite" in sites
    assert sites["minisite"].cleaning.body_selector == "div.zox-post-body"


def test_site_from_file_outside_package(tmp_path: Path) -> None:
    site = get_site("example", write(tmp_path, GOOD))
    assert site.allowed_domains == ["news.example.com"]
    assert site.source_urls("rss") == ["https://news.example.com/feed/"]
    assert site.is_article_url("https://news.example.com/2023/01/a-story/")
    assert not site.is_article_url("https://news.example.com/about/")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('title = "Example News"', 'title = "Example News"\ncolour = "red"'),
            "colour: Extra inputs are not permitted",
        ),
        (('type = "rss"', 'type = "atom-ish"'), "sources.0.type"),
        (('base_url = "https://news.example.com"', 'base_url = "ftp://x"'), "base_url"),
        (("allow = [", "allow = ['(unclosed', "), "invalid regular expression"),
        (('title = "Example News"', 'title = "Example News"\nallowed_domains = ["*"]'), "wildcards are not allowed"),
        (('type = "rss"', 'type = "rss"\nfollow = ["x"]'), "follow is only for sitemap sources"),
        (('type = "rss"', 'type = "archive"\nmax_pages = 5'), "needs {page}"),
        (('title = "Example News"', 'title = "Example News"\nplatform = "joomla"'), "platform"),
        (('title = "Example News"', 'title = "Example News"\n[crawl]\nconcurrency = 8'), "crawl.concurrency"),
        (('title = "Example News"', 'title = "Example News"\n[crawl]\ncontact_url = "me"'), "crawl.contact_url"),
        (('name = "example"', "name = 42"), "name: Input should be a valid string"),
        # CSS selectors are compiled as the cleaner compiles them: a bad one fails here, not after a crawl.
        (("[articles]", '[cleaning]\nbody_selector = "div..body"\n[articles]'), "cleaning.body_selector"),
        (("[articles]", '[cleaning]\ndrop_selectors = ["figure", "a[href"]\n[articles]'), "cleaning.drop_selectors.1"),
        (("[articles]", '[cleaning]\nsection_selector = "h3 >"\n[articles]'), "invalid CSS selector 'h3 >'"),
        (
            ("[articles]", "[cleaning]\ndrop_paragraph_patterns = ['^Ad(']\n[articles]"),
            "cleaning.drop_paragraph_patterns",
        ),
    ],
)
def test_bad_config_names_file_key_and_problem(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(SiteConfigError) as info:
        load_site_file(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(SiteConfigError, match="not valid TOML"):
        load_site_file(write(tmp_path, "name = "))


def test_duplicate_names_rejected(tmp_path: Path) -> None:
    first, second = write(tmp_path, GOOD, "a.toml"), write(tmp_path, GOOD, "b.toml")
    with pytest.raises(SiteConfigError, match="already defined"):
        load_sites([first, second])


def test_unknown_site_lists_known(tmp_path: Path) -> None:
    with pytest.raises(SiteConfigError, match=r"unknown site 'nope' \(configured: example\)"):
        get_site("nope", write(tmp_path, GOOD))


def test_with_base_url_moves_domains() -> None:
    site = get_site("minisite").with_base_url("http://127.0.0.1:5555")
    assert site.base_url == "http://127.0.0.1:5555/"
    assert site.allowed_domains == ["127.0.0.1"]


def test_duplicate_domains_rejected(tmp_path: Path) -> None:
    first = write(tmp_path, GOOD, "a.toml")
    second = write(tmp_path, GOOD.replace('name = "example"', 'name = "other"'), "b.toml")
    with pytest.raises(SiteConfigError, match=r"allowed_domains: 'news.example.com' is already a domain"):
        load_sites([first, second])

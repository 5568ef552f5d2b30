"""Site configs for tests: a builder for loopback fixture sites, and the reliability suite's publisher."""

from __future__ import annotations

from typing import Any

from crawlers.sites import SiteConfig

BASE = "https://relsite.example.org"
SITE_TOML = f"""
name = "relsite"
title = "Reliability fixture site"
base_url = "{BASE}/"
language = "en"

[[sources]]
type = "rss"
url = "/feed/"

[articles]
allow = ['^/news/']

[cleaning]
body_selector = "div.post-body"
drop_selectors = ["figure", "form"]
"""


def site_config() -> SiteConfig:
    import tomllib

    return SiteConfig.model_validate(tomllib.loads(SITE_TOML))


DATED_PATHS = r"^/\d{4}/\d{2}/"  # article URLs that carry their year and month
SITEMAP = {"type": "sitemap", "url": "/robots.txt"}  # sitemaps found through robots.txt
FEED = {"type": "rss", "url": "/feed/"}


def fixture_site(
    name: str,
    base_url: str,
    *,
    sources: tuple[dict[str, Any], ...] = (SITEMAP,),
    allow: str = DATED_PATHS,
    **tables: dict[str, Any],
) -> SiteConfig:
    """The config of a loopback fixture site, validated as a shipped one is.

    Why one builder: the tests' sites differ only in name, discovery, article pattern and a table or
    two (``crawl={...}``, ``cleaning={...}``); the rest is the same boilerplate every time.
    """
    return SiteConfig.model_validate(
        {
            "name": name,
            "title": name.capitalize(),
            "base_url": base_url,
            "sources": list(sources),
            "articles": {"allow": [allow]},
            **tables,
        }
    )

"""Site configs for tests: the reliability suite's synthetic publisher."""

from __future__ import annotations

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


def config_for(base_url: str) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "name": "resume",
            "title": "Resume",
            "base_url": base_url,
            "sources": [{"type": "sitemap", "url": "/robots.txt"}],
            "articles": {"allow": [r"^/\d{4}/\d{2}/"]},
        }
    )

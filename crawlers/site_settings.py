"""The Scrapy settings a site's config implies (its ``[crawl]`` table), applied at "spider" priority.

Command-line overrides (``--settings-json``, ``-s NAME=VALUE``) still win (tests crawl loopback servers with no delay).
"""

from __future__ import annotations

from typing import Any

from corpus.version import VERSION
from crawlers.sites import SiteConfig

DEFAULT_CONTACT = "https://github.com/defcorpus/defcorpus"


def user_agent(site: SiteConfig) -> str:
    contact = site.crawl.contact_url or DEFAULT_CONTACT
    return f"defcorpus/{VERSION} (+{contact}; news corpus crawler)"


def site_settings(site: SiteConfig) -> dict[str, Any]:
    rules = site.crawl
    return {
        "CONCURRENT_REQUESTS_PER_DOMAIN": rules.concurrency,
        "DOWNLOAD_DELAY": rules.min_delay,
        "DOWNLOAD_MAXSIZE": rules.max_response_bytes,
        "DOWNLOAD_WARNSIZE": min(rules.max_response_bytes, 4 * 1024 * 1024),
        "USER_AGENT": user_agent(site),
        "DEFCORPUS_PAYWALL_MARKERS": list(rules.paywall_markers),
    }

"""The crawl job: a site crawled into the store's ``raw/``, and the reports earlier crawls left there."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from corpus import layout
from corpus.errors import KeyNotFoundError
from corpus.store import Store
from crawlers.report import CrawlReport
from crawlers.runner import CrawlJob, run_crawl
from crawlers.sites import SiteConfig


def crawl_site(store_url: str, site: SiteConfig, **job: Any) -> CrawlReport:
    """Crawl ``site`` into the store's ``raw/`` (in a child process; see ``crawlers.runner``)."""
    callbacks = {k: job.pop(k) for k in ("on_log", "on_progress") if k in job}
    return run_crawl(CrawlJob(site=site, store=store_url, **job), **callbacks)


def crawl_reports(store: Store, site: str, *, before: str | None = None, limit: int = 10) -> list[CrawlReport]:
    """The site's last ``limit`` crawl reports older than the crawl ``before`` (a crawl id), oldest first.

    Why: a crawl is judged against the site's own earlier crawls (``quality.check_crawl``).
    """
    last = layout.crawl_stats_key(site, before) if before else None
    keys = sorted(k for k in store.list(layout.raw_site_prefix(site)) if k.endswith(layout.CRAWL_STATS_SUFFIX))
    reports = []
    for key in [k for k in keys if last is None or k < last][-limit:]:
        try:
            reports.append(CrawlReport.parse(store.read(key)))
        except (KeyNotFoundError, ValidationError):  # pruned meanwhile, or not a report
            continue
    return reports

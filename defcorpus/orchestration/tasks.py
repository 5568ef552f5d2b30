"""The bodies of the Airflow tasks: plain functions over the library, testable without a scheduler.

Each is idempotent, so a retried or re-run task neither loses nor duplicates an article: a crawl
writes new, immutable WARC files (a repeat fetch of an article is dropped at cleaning, by id and
content hash); a clean takes only WARC files no published batch lists as input; the checks only read.
Return values are small JSON dicts (they become XComs): counts and keys, never page content.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from corpus.manifest import Manifest
from corpus.store import Store, open_store
from corpus.table import read_file, read_manifests
from crawlers.report import Reach
from crawlers.sites import SiteConfig
from defcorpus import quality
from defcorpus.clean import clean_site, pending_warc_keys
from defcorpus.compaction import compact_site
from defcorpus.crawl_job import crawl_reports, crawl_site
from defcorpus.orchestration import config
from defcorpus.orchestration.config import base_url_override
from defcorpus.orchestration.settings import StoreSettings, aws_environment, resolve_store_settings

logger = logging.getLogger(__name__)
crawl_log = logging.getLogger("defcorpus.crawl")  # the crawl child's log lines, one record each

HISTORY_BATCHES = 30  # body-length drift compares with at most this many earlier batches
_STATS_SHOWN = (
    "downloader/response_status_count/200",
    "downloader/response_status_count/404",
    "robotstxt/forbidden",
    "retry/count",
    "log_count/ERROR",
    "elapsed_time_seconds",
)


# Scrapy settings a run may override (the ``scrapy_settings`` param): pacing and limits for a mirror or
# a test server. Politeness rules that protect publishers (robots.txt, the User-Agent) are not among them.
RUN_SETTINGS = frozenset(
    {
        "AUTOTHROTTLE_ENABLED",
        "AUTOTHROTTLE_START_DELAY",
        "CLOSESPIDER_ITEMCOUNT",
        "CLOSESPIDER_PAGECOUNT",
        "CLOSESPIDER_TIMEOUT",
        "DOWNLOAD_DELAY",
        "DOWNLOAD_TIMEOUT",
        "LOG_LEVEL",
        "LOGSTATS_INTERVAL",
    }
)


def _open(settings: StoreSettings) -> Store:
    return open_store(settings.store_url, s3_endpoint_url=settings.s3_endpoint_url)


def crawl_window(
    params: Mapping[str, Any] | None,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
) -> tuple[str, str]:
    """The crawl's [since, until): the run's ``since``/``until`` params, else its data interval."""
    params = params or {}
    since = params.get("since") or (data_interval_start.isoformat() if data_interval_start else None)
    until = params.get("until") or (data_interval_end.isoformat() if data_interval_end else None)
    if since is None or until is None:
        raise ValueError("this run has no data interval: trigger it with a logical date or set since/until")
    return str(since), str(until)


def crawl_site_window(
    site: SiteConfig,
    *,
    since: str,
    until: str,
    base_url: str | None = None,
    scrapy_settings: Mapping[str, Any] | None = None,
    on_log: Callable[[str], None] | None = None,
    settings: StoreSettings | None = None,
) -> dict[str, Any]:
    """Crawl ``site`` for articles published in [since, until); the crawl log goes to ``on_log``.

    Raises ``crawlers.runner.CrawlError`` on a failed crawl (the task fails and is retried), including
    a crawl that reached nothing (``CrawlUnreachableError``: every request failed, DNS, refused, TLS,
    timeouts), which would otherwise pass as a quiet day. Most requests failed: a warning in the log.
    A blocked share far above the site's earlier crawls' raises ``QualityCheckError`` once the crawl's
    pages are stored (``quality.check_crawl``): a retry later asks again for what was blocked.
    """
    refused = sorted(set(scrapy_settings or {}) - RUN_SETTINGS)
    if refused:
        raise ValueError(f"scrapy_settings may not override {refused}; allowed: {sorted(RUN_SETTINGS)}")
    settings = settings or resolve_store_settings()
    mirror = base_url_override(site.name, base_url)
    if mirror:
        site = site.with_base_url(mirror)
    logger.info("crawling %s (%s) for [%s, %s) into %s", site.name, site.base_url, since, until, settings.store_url)
    log = on_log or crawl_log.info
    with aws_environment(settings):
        report = crawl_site(
            settings.store_url,
            site,
            s3_endpoint_url=settings.s3_endpoint_url,
            since=since,
            until=until,
            settings=dict(scrapy_settings or {}),
            on_log=log,
        )
        history = crawl_reports(_open(settings), site.name, before=report.crawl_id)
    check = quality.check_crawl(site.name, report, history)
    reach = Reach.of(report)
    if reach.failed and reach.mostly_failed:
        logger.warning("crawl of %s: %s", site.name, reach.describe())
    stats = report.stats
    summary: dict[str, Any] = {
        "site": site.name,
        "since": since,
        "until": until,
        "crawl_id": report.crawl_id,
        "finish_reason": report.finish_reason,
        "pages_fetched": report.pages_fetched,
        "articles_fetched": report.articles_fetched,
        "warc_keys": list(report.warc_keys),
        "requests_failed": reach.failed,
        "quality": check.metrics,
        "stats": {k: stats[k] for k in _STATS_SHOWN if k in stats},
    }
    logger.info(
        "crawl of %s: %d pages, %d articles, %d WARC files (%s)",
        site.name,
        report.pages_fetched,
        report.articles_fetched,
        len(report.warc_keys),
        report.finish_reason,
    )
    if not check.ok:
        raise quality.QualityCheckError(check)
    return summary


def sites_with_new_warc(sites: Iterable[SiteConfig], settings: StoreSettings | None = None) -> list[str]:
    """Names of the sites that have raw WARC files no published batch has consumed."""
    settings = settings or resolve_store_settings()
    with aws_environment(settings):
        store = _open(settings)
        by_site: dict[str, list[Manifest]] = {site.name: [] for site in sites}
        for manifest in read_manifests(store):  # read once for all sites, not once per site
            by_site.get(manifest.site, []).append(manifest)
        pending = {name: len(pending_warc_keys(store, name, manifests=found)) for name, found in by_site.items()}
    for name, count in sorted(pending.items()):
        logger.info("%s: %d new WARC files", name, count)
    return sorted(name for name, count in pending.items() if count)


def clean_one_site(site: SiteConfig, settings: StoreSettings | None = None) -> dict[str, Any]:
    """Clean and publish every new WARC file of ``site`` as one batch (see ``defcorpus.clean.clean_site``)."""
    settings = settings or resolve_store_settings()
    with aws_environment(settings):
        workers = config.clean_workers()
        report = clean_site(_open(settings), site, workers=workers)
    summary = {
        "site": report.site,
        "workers": workers,
        "batch_id": report.batch_id,
        "warc_files": report.warc_files,
        "pages": report.pages,
        "articles_published": report.articles_published,
        "articles_unchanged": report.articles_unchanged,
        "articles_paywalled": report.articles_paywalled,
        "boilerplate_removed": report.boilerplate_removed,
        "rejected": dict(report.rejected),
        # Damaged store objects set aside (each logged as a warning where found): docs/reliability.md.
        "damaged": [damage.line() for damage in report.damaged],
    }
    logger.info("cleaned %s: %s", site.name, summary)
    return summary


def compact_one_site(site: SiteConfig, settings: StoreSettings | None = None) -> dict[str, Any]:
    """Merge the site's months holding ``DEFCORPUS_COMPACT_MIN_FILES`` files or more (``compaction.compact_site``)."""
    min_files = config.compact_min_files()
    if not min_files:
        logger.info("%s: compaction is off (%s=0)", site.name, config.COMPACT_MIN_FILES_ENV)
        return {"site": site.name, "files_merged": 0, "files_written": 0}
    settings = settings or resolve_store_settings()
    with aws_environment(settings):
        manifest = compact_site(_open(settings), site.name, min_files=min_files)
    summary = {
        "site": site.name,
        "files_merged": len(manifest.supersedes) if manifest else 0,
        "files_written": len(manifest.files) if manifest else 0,
    }
    logger.info("compacted %s: %s", site.name, summary)
    return summary


def check_site_quality(
    site: SiteConfig,
    batch_id: str | None,
    *,
    settings: StoreSettings | None = None,
    thresholds: quality.Thresholds | None = None,
) -> dict[str, Any]:
    """Check the articles batch ``batch_id`` published; raises ``QualityCheckError`` naming site and metric."""
    if batch_id is None:
        logger.info("%s: nothing was published, nothing to check", site.name)
        return {"site": site.name, "articles": 0, "metrics": {}}
    settings = settings or resolve_store_settings()
    with aws_environment(settings):
        batch, history = _batch_and_history(_open(settings), site.name, batch_id)
    report = quality.check_articles(site.name, batch, history, thresholds=thresholds)
    if not report.ok:
        raise quality.QualityCheckError(report)
    logger.info("%s", report.summary())
    return {"site": site.name, "articles": report.articles, "metrics": report.metrics}


def write_corpus_report(run_id: str, settings: StoreSettings | None = None) -> dict[str, Any]:
    """The corpus report into the store: ``reports/runs/<run_id>.html`` and ``reports/latest.html``.

    Why in the cleaning DAG: readers then find the report beside the corpus without running anything,
    also after a run whose quality checks failed, when it matters most (the task runs whatever they did).
    """
    from defcorpus.report import write_report

    settings = settings or resolve_store_settings()
    with aws_environment(settings):
        data, written = write_report(_open(settings), run_id=run_id)
    looks = [f.text for f in data.findings if f.level == "look"]
    logger.info("corpus report written to %s; %d findings to look at", ", ".join(written), len(looks))
    for text in looks:
        logger.info("needs a look: %s", text)
    return {"keys": written, "sites": len(data.sites), "articles": data.total_articles, "to_look_at": len(looks)}


def _batch_and_history(store: Store, site: str, batch_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    manifests = read_manifests(store, site)
    ours = [m for m in manifests if m.batch_id == batch_id]
    if not ours:
        raise LookupError(f"{site}: batch {batch_id} has no manifest in the store")
    earlier = [m for m in manifests if m.batch_id < batch_id][-HISTORY_BATCHES:]

    def rows(batch: list[Manifest]) -> list[dict[str, Any]]:
        return [row for m in batch for f in m.files for row in read_file(store, f.key).to_pylist()]

    return rows(ours), rows(earlier)

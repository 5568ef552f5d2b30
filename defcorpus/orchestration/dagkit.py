"""Airflow building blocks shared by the DAG files: timetables, Assets, params, default args.

Kept here so that the DAG files stay wiring only. This is the one module of ``corpus`` that imports
Airflow (the optional ``airflow`` extra).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow.sdk import Asset, AssetAny, CronDataIntervalTimetable, Param

from crawlers.sites import SiteConfig
from defcorpus.orchestration import config

RAW_ASSET_GROUP = "defcorpus-raw"
CLEAN_ASSET = Asset(name="defcorpus-clean", uri="x-defcorpus://clean/", group="defcorpus-clean")


def raw_asset(site: str) -> Asset:
    """The site's raw WARC prefix in the store; a crawl DAG's outlet, the cleaning DAG's trigger.

    The URI is logical (``x-defcorpus://``): the real bucket is known only inside tasks.
    """
    return Asset(name=f"defcorpus-raw-{site}", uri=f"x-defcorpus://raw/site={site}/", group=RAW_ASSET_GROUP)


def crawl_timetable(site: SiteConfig) -> CronDataIntervalTimetable:
    """Data intervals, not trigger times: each run crawls exactly [start, end) of its interval.

    Why explicit: Airflow 3 turns a plain cron ``schedule`` into a trigger timetable whose runs have
    no interval; the crawl window must come from the interval so backfills work.
    """
    return CronDataIntervalTimetable(config.schedule_for(site), timezone="UTC")


def clean_schedule(sites: Mapping[str, SiteConfig]) -> AssetAny | None:
    """Run the cleaning DAG when any site's crawl has written new raw files."""
    return AssetAny(*(raw_asset(name) for name in sorted(sites))) if sites else None


def crawl_default_args() -> dict[str, Any]:
    return {
        "owner": "defcorpus",
        "retries": config.CRAWL_RETRIES,
        "retry_delay": config.CRAWL_RETRY_DELAY,
        "retry_exponential_backoff": config.RETRY_BACKOFF,
        "max_retry_delay": config.MAX_RETRY_DELAY,
        "execution_timeout": config.CRAWL_TIMEOUT,
    }


def clean_default_args() -> dict[str, Any]:
    return {**crawl_default_args(), "retry_delay": config.CRAWL_RETRY_DELAY, "execution_timeout": config.CLEAN_TIMEOUT}


CRAWL_PARAMS: dict[str, Param] = {
    "base_url": Param(
        None, type=["null", "string"], description="crawl the site at this address instead (a mirror, a test server)"
    ),
    "since": Param(
        None,
        type=["null", "string"],
        description="window start (YYYY-MM-DD or ISO 8601); default: the run's data interval",
    ),
    "until": Param(
        None, type=["null", "string"], description="window end, exclusive; default: the run's data interval"
    ),
    "scrapy_settings": Param(
        {}, type="object", description="Scrapy setting overrides for this run, e.g. DOWNLOAD_DELAY for a mirror"
    ),
}


BACKFILL_PARAMS: dict[str, Param] = {
    "archive": Param("wayback", enum=["wayback", "commoncrawl"], description="which web archive"),
    "capture": Param("earliest", enum=["earliest", "latest"], description="which good capture of each article"),
    "archive_url": Param(
        None, type=["null", "string"], description="the Wayback base or the CC index server (a mirror, a test server)"
    ),
    "base_url": CRAWL_PARAMS["base_url"],
    "since": Param(None, type=["null", "string"], description="captures from; default: the run's data interval"),
    "until": Param(None, type=["null", "string"], description="captures before; default: the run's data interval"),
}


def backfill_timetable() -> CronDataIntervalTimetable:
    """Monthly data intervals: ``airflow backfill create`` then backfills a range month by month."""
    return CronDataIntervalTimetable("@monthly", timezone="UTC")

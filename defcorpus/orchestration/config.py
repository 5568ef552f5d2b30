"""What the DAG files need to know at parse time: the sites, their schedules, pools and run overrides.

Parse-time code reads only local files and the environment (no network, no metadata DB, no
Variables), and one broken site config must not hide the others: ``load_dag_sites`` loads each TOML
file on its own and returns the failures next to the sites, so the DAG file can log them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from corpus.env import Environment
from crawlers.sites import SITES_DIR, SiteConfig, SiteConfigError, load_site_file, site_files

logger = logging.getLogger(__name__)

SITES_DIR_ENV = "DEFCORPUS_SITES_DIR"
SCHEDULE_ENV = "DEFCORPUS_CRAWL_SCHEDULE"  # all sites; DEFCORPUS_CRAWL_SCHEDULE__<SITE> for one
CLEAN_PARALLEL_ENV = "DEFCORPUS_CLEAN_PARALLEL_SITES"
CLEAN_WORKERS_ENV = "DEFCORPUS_CLEAN_WORKERS"
COMPACT_MIN_FILES_ENV = "DEFCORPUS_COMPACT_MIN_FILES"
BASE_URL_ENV = "DEFCORPUS_BASE_URL"  # DEFCORPUS_BASE_URL__<SITE>: crawl that site at a mirror
RETRY_DELAY_ENV = "DEFCORPUS_RETRY_DELAY_SECONDS"
DEFAULT_SCHEDULE = "@daily"
# Data intervals start here, so `airflow backfill create` can reach any archive; catchup stays off.
START_DATE = datetime(2000, 1, 1, tzinfo=UTC)

CRAWL_RETRIES = 3
CRAWL_RETRY_DELAY = timedelta(minutes=5)
RETRY_BACKOFF = 2.0  # multiplier: 5, 10, 20 minutes
MAX_RETRY_DELAY = timedelta(hours=1)
CRAWL_TIMEOUT = timedelta(hours=6)
CLEAN_TIMEOUT = timedelta(hours=2)
CHECK_TIMEOUT = timedelta(minutes=30)
CRAWL_POOL_SLOTS = 1  # one crawl at a time per publisher domain, whichever DAG runs it
TAGS = ("defcorpus",)


@dataclass(frozen=True)
class DagSites:
    """The sites that loaded, by name, and the config files that did not (path -> message)."""

    sites: dict[str, SiteConfig] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def sites_dir(environ: Mapping[str, str] | None = None) -> Path:
    return Environment.read(environ).sites_dir or SITES_DIR


def load_dag_sites(directory: Path | None = None) -> DagSites:
    """Every site config under ``directory`` (default: ``$DEFCORPUS_SITES_DIR`` or the package's)."""
    result = DagSites()
    origin: dict[str, Path] = {}
    for path in site_files(directory or sites_dir()):
        try:
            site = load_site_file(path)
        except SiteConfigError as exc:
            result.errors[str(path)] = str(exc)
            continue
        if site.name in result.sites:
            result.errors[str(path)] = f"{path}: name: {site.name!r} is already defined in {origin[site.name]}"
            continue
        result.sites[site.name] = site
        origin[site.name] = path
    return result


def log_broken_configs(dag_sites: DagSites) -> None:
    """One error line per site config that failed to load, naming the file, the key and the problem.

    Why a log line, not an import error: Airflow marks every DAG of a file with an import error as
    stale and stops scheduling them; the DAG processor keeps this file's log, and
    ``python -m defcorpus.orchestration check`` fails on the same errors for a deploy step.
    """
    for path in sorted(dag_sites.errors):
        logger.error("site config failed to load, its crawl DAG is missing: %s", dag_sites.errors[path])


def crawl_dag_id(site: str) -> str:
    return f"crawl_{site}"


def backfill_dag_id(site: str) -> str:
    return f"archive_backfill_{site}"


def schedule_for(site: SiteConfig, environ: Mapping[str, str] | None = None) -> str:
    """Cron expression or preset of the site's crawl DAG.

    A ``schedule`` field on the site config wins once SiteConfig has one; until then the environment
    (per site, then for all sites) or ``@daily``.
    """
    env = Environment.read(environ)
    configured = getattr(site, "schedule", None)
    return str(configured or env.for_site("CRAWL_SCHEDULE", site.name) or env.crawl_schedule or DEFAULT_SCHEDULE)


def pool_name(site: SiteConfig) -> str:
    """One pool per publisher domain: sites sharing a domain share it, so they never crawl at once."""
    domain = site.allowed_domains[0] if site.allowed_domains else "unknown"
    return "crawl_" + re.sub(r"[^a-z0-9._-]", "_", domain.lower())


def pools_spec(sites: Iterable[SiteConfig]) -> dict[str, dict[str, Any]]:
    """The pools the crawl DAGs use, in the format of ``airflow pools import FILE``."""
    spec: dict[str, dict[str, Any]] = {}
    for site in sites:
        pool = spec.setdefault(
            pool_name(site),
            {
                "slots": CRAWL_POOL_SLOTS,
                "include_deferred": False,
                "description": "defcorpus crawls of ",
            },
        )
        pool["description"] += ("" if pool["description"].endswith(" ") else ", ") + site.name
    return spec


def base_url_override(site: str, param: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The run's ``base_url`` param, else ``DEFCORPUS_BASE_URL__<SITE>``: crawl a mirror or a test server."""
    return param or Environment.read(environ).for_site("BASE_URL", site)


def compact_min_files(environ: Mapping[str, str] | None = None) -> int:
    """Files a month of a site must hold before the cleaning DAG merges them (default 8; 0: never).

    Why not 2: each compaction rewrites the whole month, so merging at every second file would rewrite
    the current month after every daily clean; at 8 a month is rewritten about once a week, while a
    backfill's months, each spread over many chunks, are merged in the run that cleaned them.
    """
    return Environment.read(environ).compact_min_files


def retry_delay(environ: Mapping[str, str] | None = None) -> timedelta:
    """Wait before a failed task's first retry: ``DEFCORPUS_RETRY_DELAY_SECONDS``, default 5 minutes.

    Later retries double it (``RETRY_BACKOFF``), up to ``MAX_RETRY_DELAY``. Why settable: a task lost
    with its worker is retried only after this delay; the Celery integration test, which kills a
    worker, waits seconds instead of minutes. Deployments keep the default: a publisher that just
    failed a crawl should not be asked again at once.
    """
    return timedelta(seconds=Environment.read(environ).retry_delay_seconds)


def clean_parallel_sites(environ: Mapping[str, str] | None = None) -> int:
    """How many sites one cleaning run cleans at once (default 1).

    Why 1: near-duplicate grouping reads every site's dedup shard and writes its own, so two sites
    cleaned at the same moment cannot see each other's new articles and a syndicated copy would go
    unlinked until a re-clean. Serial cleaning is not the bottleneck: cleaning runs at tens of pages a
    second, polite crawls at about one per site. Raise it for a big backfill if speed matters more.
    """
    return Environment.read(environ).clean_parallel_sites


def clean_workers(environ: Mapping[str, str] | None = None) -> int:
    """Processes a ``clean`` task extracts its site's pages with (default 1), and the pool slots it takes.

    Why processes inside the task, not one mapped task per chunk of WARC files: only extraction is
    independent per page; learning the site's boilerplate, removing it and the "already published"
    check run over the pages in order, in one process (``defcorpus.parallel``). Mapped chunk tasks
    would each have to ship their extracted pages (the HTML and its blocks) through the store to one
    task that finishes them, so a worker's own cores are the cheap way to clean a large backlog faster,
    with what one process publishes. The task takes as many pool slots as it starts processes, so the
    scheduler does not give those cores to other tasks.
    """
    return Environment.read(environ).clean_workers

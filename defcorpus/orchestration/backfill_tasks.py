"""The body of the archive-backfill task: one site, one window, one archive; testable without a scheduler.

Idempotent like the crawl: a window already backfilled asks nothing, an article already stored from
this archive is not fetched again (``crawlers.archives.state``), and a retried task goes on from the
cursor its failed try saved. The return value is the backfill's counts (an XCom), never page content.
"""

from __future__ import annotations

import logging
from typing import Any

from corpus.store import open_store
from crawlers.archives.backfill import BackfillJob, run_backfill
from crawlers.archives.settings import ArchiveSettings
from crawlers.sites import SiteConfig
from defcorpus.orchestration.config import base_url_override
from defcorpus.orchestration.settings import StoreSettings, aws_environment, resolve_store_settings

logger = logging.getLogger(__name__)


def backfill_dag_id(site: str) -> str:
    return f"archive_backfill_{site}"


def backfill_site_window(
    site: SiteConfig,
    *,
    archive: str,
    since: str,
    until: str,
    capture: str = "earliest",
    archive_url: str | None = None,
    base_url: str | None = None,
    settings: StoreSettings | None = None,
) -> dict[str, Any]:
    """Backfill ``site`` from ``archive`` for captures in [since, until); raises ``ArchiveError`` (the
    task fails and is retried, going on from the saved cursor) when the archive cannot be used."""
    settings = settings or resolve_store_settings()
    mirror = base_url_override(site.name, base_url)
    if mirror:
        site = site.with_base_url(mirror)
    archive_settings = ArchiveSettings.from_environment().with_archive_url(archive, archive_url)
    job = BackfillJob(site, archive, since, until, capture, archive_settings)  # type: ignore[arg-type]
    logger.info(
        "backfilling %s from %s for captures in [%s, %s) into %s", site.name, archive, since, until, settings.store_url
    )
    with aws_environment(settings):
        report = run_backfill(open_store(settings.store_url, s3_endpoint_url=settings.s3_endpoint_url), job)
    logger.info("%s", report.summary())
    return report.to_dict()

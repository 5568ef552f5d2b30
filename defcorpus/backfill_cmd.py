"""``defcorpus backfill``: the settings from the environment and the options, the run, its summary."""

from __future__ import annotations

import click
from rich.console import Console

from corpus.store import Store
from crawlers.archives.backfill import BackfillJob, BackfillReport
from crawlers.archives.settings import ArchiveSettings
from crawlers.runner import _sigterm_as_interrupt
from crawlers.sites import SiteConfig
from defcorpus.progress import backfill_with_progress


def backfill_command(
    console: Console,
    store: Store,
    site: SiteConfig,
    *,
    archive: str,
    since: str,
    until: str,
    capture: str,
    archive_url: str | None,
) -> BackfillReport:
    """Run the backfill with its progress; a bad setting is a usage error before any request.

    SIGTERM stops it as Ctrl-C does: the open WARC file and the cursor are stored first.
    """
    try:
        settings = ArchiveSettings.from_environment().with_archive_url(archive, archive_url)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    job = BackfillJob(site=site, archive=archive, since=since, until=until, capture=capture, settings=settings)  # type: ignore[arg-type]
    with _sigterm_as_interrupt():
        report = backfill_with_progress(console, store, job)
    if report.already_finished:
        click.echo(f"{site.name}: [{since}, {until}) was backfilled from {archive} before; nothing to do")
    else:
        click.echo(report.summary())
    return report

"""Progress display for the command line (rich), around the crawl and clean jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Column

from corpus.store import Store
from crawlers.report import CrawlReport
from crawlers.sites import SiteConfig
from defcorpus.clean import clean_site
from defcorpus.clean_report import CleanReport
from defcorpus.crawl_job import crawl_site
from defcorpus.reclean import reclean_site

if TYPE_CHECKING:
    from crawlers.archives.backfill import BackfillJob, BackfillReport


def crawl_with_progress(console: Console, store: Store, site: SiteConfig, **job: Any) -> CrawlReport:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"Crawling {site.name}", total=None)

        def update(pages: int, articles: int) -> None:
            progress.update(task, description=f"Crawling {site.name}: {pages} pages fetched, {articles} articles")

        try:
            report = crawl_site(store.url, site, on_progress=update, **job)
        except BaseException:
            _erase(progress)
            raise
        progress.update(task, total=1, completed=1)
    return report


def _erase(progress: Progress) -> None:
    """Leave no spinner line behind (not even the blank line a non-terminal gets): the error's one line
    says what happened."""
    progress.live.transient = True
    progress.live.stop()
    progress.disable = True


def clean_with_progress(
    console: Console, store: Store, site: SiteConfig, *, reclean: bool = False, workers: int = 1
) -> CleanReport:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(f"Cleaning {site.name}", total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        if reclean:
            return reclean_site(store, site, on_page=update)
        return clean_site(store, site, on_page=update, workers=workers)


def removals_summary(report: CleanReport) -> str:
    """What the cleaner removed, in the one form ``clean`` and the demo both print."""
    learned = report.boilerplate_removed - report.bios_removed
    return (
        f"{report.boilerplate_removed + report.dropped_by_rule} ({report.bios_removed} author bios, "
        f"{learned} other learned boilerplate, {report.dropped_by_rule} by site rules)"
    )


def backfill_with_progress(console: Console, store: Store, job: BackfillJob) -> BackfillReport:
    """Captures found, articles fetched and captures skipped, as the backfill goes."""
    from crawlers.archives.backfill import run_backfill

    # The line is longer than a narrow terminal (or a log's 80 columns): it wraps rather than losing its end.
    text = TextColumn("{task.description}", table_column=Column(overflow="fold"))
    columns = (SpinnerColumn(), text, TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"Backfilling {job.site.name} from {job.archive}", total=None)

        def update(report: BackfillReport) -> None:
            progress.update(
                task,
                description=f"Backfilling {job.site.name} from {job.archive}: {report.captures_found} captures found, "
                f"{report.fetched} fetched, {report.skipped_total} skipped, {report.already_settled} already stored",
            )

        try:
            report = run_backfill(store, job, on_progress=update)
        except BaseException:
            _erase(progress)
            raise
        progress.update(task, total=1, completed=1)
    return report

"""The commands that crawl, clean and compact: ``crawl``, ``run``, ``backfill``, ``clean``, ``compact``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from corpus.dates import parse_bound
from crawlers.sites import SiteConfig, load_sites
from defcorpus.cli_options import (
    DateParam,
    check_site_in_store,
    console,
    exit_if_damaged,
    site_options,
    store_options,
    verbose,
    window_options,
)

if TYPE_CHECKING:
    from corpus.quarantine import Damage
    from corpus.store import Store
    from crawlers.report import CrawlReport


workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="processes that extract a site's pages (a large backlog); what is published is the same as with one",
)


@click.command()
@site_options
@window_options
@store_options
def crawl(site: SiteConfig, store: Store, s3_endpoint_url: str | None, since: str | None, until: str | None) -> None:
    """Crawl a site into the store's raw/ (WARC)."""
    _crawl(store, site, s3_endpoint_url=s3_endpoint_url, since=since, until=until)


@click.command()
@click.option("--site", "site_names", multiple=True, help="site to clean (repeatable; default: every site)")
@click.option("--sites-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--reclean",
    is_flag=True,
    help="clean every raw WARC file already in the store again with the current cleaner (no network); "
    "publish a new version only where an article changed",
)
@workers_option
@store_options
def clean(
    site_names: tuple[str, ...],
    sites_file: Path | None,
    reclean: bool,
    workers: int,
    store: Store,
    s3_endpoint_url: str | None,
) -> None:
    """Clean the raw pages not cleaned yet (--reclean: all of them again) and publish them under clean/."""
    from corpus import layout

    if reclean and workers > 1:
        raise click.UsageError("--workers applies to a clean of new pages; --reclean runs in one process")

    configs = load_sites([sites_file] if sites_file else None)
    unknown = [name for name in site_names if name not in configs]
    if unknown:
        raise click.ClickException(f"unknown site {unknown[0]!r} (configured: {', '.join(sorted(configs))})")
    # Without --site, only the sites the store has raw pages of: the others get no line and no state/.
    names = site_names or [n for n in sorted(configs) if store.list(layout.raw_site_prefix(n))]
    if not names:
        click.echo(f"nothing to clean: {store.url} holds no raw pages of any configured site (crawl one first)")
    damaged: list[Damage] = []
    for name in names:
        damaged += _clean_one(store, configs[name], reclean=reclean, workers=workers)
    exit_if_damaged(damaged)


@click.command()
@site_options
@window_options
@workers_option
@store_options
def run(
    site: SiteConfig, store: Store, s3_endpoint_url: str | None, since: str | None, until: str | None, workers: int
) -> None:
    """Crawl a site, then clean and publish what is new."""
    _crawl(store, site, s3_endpoint_url=s3_endpoint_url, since=since, until=until)
    exit_if_damaged(_clean_one(store, site, workers=workers))


@click.command()
@site_options
@click.option("--archive", type=click.Choice(["wayback", "commoncrawl"]), required=True, help="which web archive")
@click.option("--since", type=DateParam(), required=True, help="captures on or after this date (YYYY-MM-DD)")
@click.option("--until", type=DateParam(), required=True, help="captures before this date (YYYY-MM-DD)")
@click.option(
    "--capture",
    type=click.Choice(["earliest", "latest"]),
    default="earliest",
    show_default=True,
    help="which good capture of each article",
)
@click.option("--clean", "then_clean", is_flag=True, help="clean and publish what was fetched")
@click.option(
    "--archive-url", help="the Wayback base or the Common Crawl index server (a mirror); see docs/backfill.md"
)
@store_options
def backfill(site: SiteConfig, store: Store, s3_endpoint_url: str | None, then_clean: bool, **options: Any) -> None:
    """Backfill a site's articles from a web archive's captures in [since, until) into raw/ (WARC)."""
    from defcorpus.backfill_cmd import backfill_command

    if parse_bound(options["since"]) >= parse_bound(options["until"]):
        raise click.UsageError(f"--since {options['since']} is not before --until {options['until']}")
    backfill_command(console, store, site, **options)
    if then_clean:
        exit_if_damaged(_clean_one(store, site))


def _crawl(store: Store, site: SiteConfig, **job: Any) -> CrawlReport:
    """The crawl with its progress (and with -v its log); its summary, and a warning if most requests failed
    or the crawl's blocked share jumped (``quality.check_crawl``)."""
    from crawlers.report import Reach, format_summary
    from defcorpus.crawl_job import crawl_reports
    from defcorpus.progress import crawl_with_progress
    from defcorpus.quality import check_crawl

    if verbose():
        job["on_log"] = lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True)
    report = crawl_with_progress(console, store, site, **job)
    click.echo(f"{format_summary(report)}; {len(report.warc_keys)} WARC files ({report.finish_reason})")
    reach = Reach.of(report)
    if reach.failed and reach.mostly_failed:
        console.print(f"Warning: crawl of {site.name}: {reach.describe()}", highlight=False, soft_wrap=True)
    history = crawl_reports(store, site.name, before=report.crawl_id)
    for failure in check_crawl(site.name, report, history).failures:
        console.print(f"Warning: crawl of {failure}", highlight=False, soft_wrap=True)
    return report


def _clean_one(store: Store, site: SiteConfig, *, reclean: bool = False, workers: int = 1) -> list[Damage]:
    from defcorpus.progress import clean_with_progress, removals_summary

    report = clean_with_progress(console, store, site, reclean=reclean, workers=workers)
    click.echo(
        f"{site.name}: {report.articles_published} articles published, {report.articles_unchanged} "
        f"unchanged, {report.articles_paywalled} published paywalled, paragraphs removed "
        f"{removals_summary(report)}, from {report.warc_files} {'' if reclean else 'new '}WARC files"
    )
    return report.damaged


@click.command()
@click.option(
    "--site", "site_names", multiple=True, help="site to compact (repeatable; default: every site in the store)"
)
@store_options(must_exist="always")
def compact(site_names: tuple[str, ...], store: Store, s3_endpoint_url: str | None) -> None:
    """Merge each month's small files into one; readers see the same rows before and after."""
    from corpus.table import read_manifests
    from defcorpus.compaction import compact_site

    for name in site_names:  # before any lease is taken: a mistyped site leaves nothing in the store
        check_site_in_store(store, name)
    damaged: list[Damage] = []
    for name in site_names or sorted({m.site for m in read_manifests(store)}):
        manifest = compact_site(store, name, damaged=damaged)
        merged = len(manifest.supersedes) if manifest else 0
        click.echo(f"{name}: {merged} files merged into {len(manifest.files) if manifest else 0}")
    exit_if_damaged(damaged)

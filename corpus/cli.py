"""The ``defcorpus`` command line: parses arguments and calls library functions, nothing more."""

from __future__ import annotations

import functools
import logging
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from corpus.errors import LeaseHeldError, StoreError
from crawlers.sites import SiteConfig, SiteConfigError, get_site, load_sites

if TYPE_CHECKING:
    from corpus.quarantine import Damage
    from corpus.store import Store

# boto3, pyarrow and the cleaner are imported by the commands that use them: `defcorpus --help`
# and argument errors stay fast.

DEFAULT_STORE = "./defcorpus-data"
EX_TEMPFAIL = 75  # sysexits.h: try again later; lets a scheduler tell "busy" from "broken"
# sysexits.h: the input data was incorrect. The command did all it could, but store objects were
# damaged: set aside (clean, compact) or left out (export); each is named in a warning line above.
EX_DATAERR = 65
console = Console(stderr=True)


class LeaseBusy(click.ClickException):
    """Another worker holds the site's lease: not an error in the data, just a retry later."""

    exit_code = EX_TEMPFAIL


def store_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--store and --s3-endpoint-url, on every command."""

    @click.option(
        "--store",
        "store_url",
        envvar="DEFCORPUS_STORE",
        default=DEFAULT_STORE,
        show_default=True,
        help="a directory, file://DIR, or s3://bucket/prefix (env DEFCORPUS_STORE)",
    )
    @click.option(
        "--s3-endpoint-url",
        envvar="DEFCORPUS_S3_ENDPOINT_URL",
        help="S3-compatible endpoint (MinIO, Ceph, R2…); credentials from the AWS_* environment",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, store_url: str, s3_endpoint_url: str | None, **kwargs: Any) -> Any:
        try:
            from corpus.store import open_store

            store = open_store(store_url, s3_endpoint_url=s3_endpoint_url)
            return func(*args, store=store, s3_endpoint_url=s3_endpoint_url, **kwargs)
        except LeaseHeldError as exc:
            raise LeaseBusy(f"{exc}; run again when it finishes (a dead worker's lease expires by itself)") from None
        except (StoreError, SiteConfigError) as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def site_options(func: Callable[..., Any]) -> Callable[..., Any]:
    @click.option("--site", "site_name", required=True, help="site name (see `defcorpus sites`)")
    @click.option(
        "--sites-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="a site config TOML outside the package",
    )
    @click.option("--base-url", help="crawl the site at another address (a mirror)")
    @functools.wraps(func)
    def wrapper(*args: Any, site_name: str, sites_file: Path | None, base_url: str | None, **kwargs: Any) -> Any:
        try:
            site = get_site(site_name, sites_file)
        except SiteConfigError as exc:
            raise click.ClickException(str(exc)) from None
        return func(*args, site=site.with_base_url(base_url) if base_url else site, **kwargs)

    return wrapper


def window_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--until", help="only articles published before this date (YYYY-MM-DD)")(func)
    return click.option("--since", help="only articles published on or after this date (YYYY-MM-DD)")(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="more log output (-vv for debug)")
@click.version_option(package_name="defcorpus")
def main(verbose: int) -> None:
    """defcorpus: a clean, trustworthy corpus of defense and national-security news."""
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@main.group(invoke_without_command=True)
@click.option("--sites-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_options
@click.pass_context
def sites(ctx: click.Context, sites_file: Path | None, store: Store, s3_endpoint_url: str | None) -> None:
    """List the configured sites, with the articles each has published in the store; `sites add` onboards one."""
    if ctx.invoked_subcommand is not None:
        return
    from corpus.table import read_manifests

    configs = load_sites([sites_file] if sites_file else None)
    published: dict[str, int] = {}
    for manifest in read_manifests(store):
        published[manifest["site"]] = published.get(manifest["site"], 0) + manifest["articles"]
    for site in configs.values():
        routes = ", ".join(f"{s.type}:{s.url}" for s in site.sources)
        click.echo(f"{site.name:<16} {published.get(site.name, 0):>7} articles  {site.base_url:<36} {routes}")


@sites.command("add")
@click.argument("name")
@click.argument("url")
@click.option(
    "--sites-file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="where to write the new site's TOML (one site per file)",
)
@click.option("--overwrite", is_flag=True, help="replace the file if it exists")
def sites_add(name: str, url: str, sites_file: Path, overwrite: bool) -> None:
    """Discover a site's sitemaps, feeds and article URLs from its home page; write its TOML for review."""
    from crawlers.onboarding import onboard_site

    try:
        result = onboard_site(name, url, sites_file, overwrite=overwrite)
    except SiteConfigError as exc:
        raise click.ClickException(str(exc)) from None
    for line in result.found:
        click.echo(f"  {line}")
    click.echo(
        f"wrote {result.path} after {result.requests} requests; review it, then run:\n"
        f"  defcorpus run --sites-file {result.path} --site {name}"
    )


@main.command()
@site_options
@window_options
@store_options
def crawl(site: SiteConfig, store: Store, s3_endpoint_url: str | None, since: str | None, until: str | None) -> None:
    """Crawl a site into the store's raw/ (WARC)."""
    from corpus.progress import crawl_with_progress

    report = crawl_with_progress(console, store, site, s3_endpoint_url=s3_endpoint_url, since=since, until=until)
    _echo_crawl(site, report)


@main.command()
@click.option("--site", "site_names", multiple=True, help="site to clean (repeatable; default: every site)")
@click.option("--sites-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--reclean",
    is_flag=True,
    help="clean every raw WARC file already in the store again with the current cleaner (no network); "
    "publish a new version only where an article changed",
)
@store_options
def clean(
    site_names: tuple[str, ...], sites_file: Path | None, reclean: bool, store: Store, s3_endpoint_url: str | None
) -> None:
    """Clean the raw pages not cleaned yet (--reclean: all of them again) and publish them under clean/."""
    configs = load_sites([sites_file] if sites_file else None)
    damaged: list[Damage] = []
    for name in site_names or sorted(configs):
        if name not in configs:
            raise click.ClickException(f"unknown site {name!r} (configured: {', '.join(sorted(configs))})")
        damaged += _clean_one(store, configs[name], reclean=reclean)
    _exit_if_damaged(damaged)


@main.command()
@site_options
@window_options
@store_options
def run(site: SiteConfig, store: Store, s3_endpoint_url: str | None, since: str | None, until: str | None) -> None:
    """Crawl a site, then clean and publish what is new."""
    from corpus.progress import crawl_with_progress

    report = crawl_with_progress(console, store, site, s3_endpoint_url=s3_endpoint_url, since=since, until=until)
    _echo_crawl(site, report)
    _exit_if_damaged(_clean_one(store, site))


def _echo_crawl(site: SiteConfig, report: dict[str, Any]) -> None:
    from crawlers.extensions.crawl_report import format_summary

    click.echo(f"{format_summary(report)}; {len(report['warc_keys'])} WARC files ({report['finish_reason']})")


def _clean_one(store: Store, site: SiteConfig, *, reclean: bool = False) -> list[Damage]:
    from corpus.progress import clean_with_progress

    report = clean_with_progress(console, store, site, reclean=reclean)
    click.echo(
        f"{site.name}: {report.articles_published} articles published, {report.articles_unchanged} "
        f"unchanged, {report.articles_paywalled} published paywalled, {report.boilerplate_removed} "
        "boilerplate paragraphs removed, "
        f"from {report.warc_files} {'' if reclean else 'new '}WARC files"
    )
    return report.damaged


def _exit_if_damaged(damaged: list[Damage]) -> None:
    """One line with the counts after the per-object warnings, and exit 65: the run is not a quiet success."""
    if not damaged:
        return
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(Counter(d.kind for d in damaged).items()))
    pages = sum(d.lost for d in damaged if d.kind == "warc")
    rows = sum(d.lost for d in damaged if d.kind != "warc")
    click.echo(
        f"warning: {len(damaged)} damaged store objects ({kinds}) set aside under quarantine/ or repaired; "
        f"{pages} raw responses to fetch again, {rows} published rows lost "
        "(`defcorpus clean --reclean` publishes again what raw/ holds); see docs/reliability.md",
        err=True,
    )
    sys.exit(EX_DATAERR)


@main.command()
@click.option("--site", "site_name", help="only this site")
@window_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet"]), default="jsonl", show_default=True)
@click.option("-o", "--output", default="-", show_default=True, help="a file path, or - for stdout (jsonl)")
@click.option("--all-versions", is_flag=True, help="every published version, not only the latest")
@store_options
def export(
    site_name: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    output: str,
    all_versions: bool,
    store: Store,
    s3_endpoint_url: str | None,
) -> None:
    """Export published articles as JSON Lines or Parquet."""
    if fmt == "parquet" and output == "-":
        raise click.UsageError("Parquet needs a file: --output PATH")
    from corpus import export as export_lib

    skipped: list[tuple[str, str, int]] = []
    count = export_lib.export(
        store, output, fmt=fmt, site=site_name, since=since, until=until, latest=not all_versions, skipped=skipped
    )
    console.print(f"exported {count} articles", highlight=False)
    if skipped:
        click.echo(
            f"warning: {len(skipped)} published files could not be read and were left out "
            f"({sum(rows for _, _, rows in skipped)} rows); `defcorpus clean` of their site sets them aside",
            err=True,
        )
        sys.exit(EX_DATAERR)


@main.command()
@click.option("--site", "site_name", help="only this site")
@store_options
def stats(site_name: str | None, store: Store, s3_endpoint_url: str | None) -> None:
    """Published rows (all versions) and paywalled rows per site and publication month, from the manifests."""
    from corpus.table import partition_counts

    rows = partition_counts(store, site_name)
    click.echo(f"{'site':<16} {'month':<8} {'rows':>8} {'paywalled':>9}")
    for row in rows:
        click.echo(f"{row['site']:<16} {row['month']:<8} {row['rows']:>8} {row['paywalled']:>9}")
    click.echo(f"{'total':<25} {sum(r['rows'] for r in rows):>8} {sum(r['paywalled'] for r in rows):>9}")


@main.command()
@click.option(
    "--site", "site_names", multiple=True, help="site to compact (repeatable; default: every site in the store)"
)
@store_options
def compact(site_names: tuple[str, ...], store: Store, s3_endpoint_url: str | None) -> None:
    """Merge each month's small files into one; readers see the same rows before and after."""
    from corpus.jobs import compact_site
    from corpus.table import read_manifests

    damaged: list[Damage] = []
    for name in site_names or sorted({m["site"] for m in read_manifests(store)}):
        manifest = compact_site(store, name, damaged=damaged)
        merged = len(manifest["supersedes"]) if manifest else 0
        click.echo(f"{name}: {merged} files merged into {len(manifest['files']) if manifest else 0}")
    _exit_if_damaged(damaged)


@main.command()
@click.option(
    "--store",
    "store_url",
    envvar="DEFCORPUS_STORE",
    default=DEFAULT_STORE,
    show_default=True,
    help="where the demo corpus goes (a directory, file://DIR, or s3://bucket/prefix)",
)
@click.option("--s3-endpoint-url", envvar="DEFCORPUS_S3_ENDPOINT_URL")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="serve the mini-site on this loopback port  [default: the site config's, 8045]",
)
def demo(store_url: str, s3_endpoint_url: str | None, port: int | None) -> None:
    """Offline demo: serve the bundled mini-site on 127.0.0.1, crawl it, clean it, publish it."""
    from corpus.demo import run_demo
    from corpus.store import open_store

    try:
        run_demo(Console(), open_store(store_url, s3_endpoint_url=s3_endpoint_url), s3_endpoint_url, port)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--url", help="the page's URL (for its metadata and id); default: the file's file:// URI")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "txt"]), default="jsonl", show_default=True)
def extract(paths: tuple[str, ...], url: str | None, fmt: str) -> None:
    """Clean single HTML pages (files, .gz, directories, or - for stdin): one article per page.

    Uses the pipeline's cleaning with site learning off. A page that cannot be read or is not an
    article gives an error record (jsonl/json) or a line on stderr (txt); the others still come out,
    and the exit status is 1.
    """
    from corpus.extract_cmd import extract_sources, write_outcomes

    failed = write_outcomes(extract_sources(paths, url=url), fmt, sys.stdout, sys.stderr)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())

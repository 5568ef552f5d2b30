"""The commands that read: ``sites`` (and ``sites add``), ``export``, ``stats``, ``extract``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawlers.sites import load_sites
from defcorpus.cli_options import EX_DATAERR, check_site_in_store, console, store_options, window_options

if TYPE_CHECKING:
    from corpus.store import Store


@click.group(invoke_without_command=True)
@click.option("--sites-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_options(must_exist="if_given")
@click.pass_context
def sites(ctx: click.Context, sites_file: Path | None, store: Store, s3_endpoint_url: str | None) -> None:
    """List the configured sites, with the articles each has published in the store; `sites add` onboards one."""
    if ctx.invoked_subcommand is not None:
        return
    from corpus.table import read_manifests

    configs = load_sites([sites_file] if sites_file else None)
    published: dict[str, int] = {}
    for manifest in read_manifests(store):
        published[manifest.site] = published.get(manifest.site, 0) + manifest.articles
    rows = [("site", "articles", "base_url", "routes")] + [
        (
            site.name,
            str(published.get(site.name, 0)),
            site.base_url,
            ", ".join(f"{s.type}:{s.url}" for s in site.sources),
        )
        for site in configs.values()
    ]
    # Plain aligned columns under a header: readable, and still one line per site for grep and awk.
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for name, count, base_url, routes in rows:
        click.echo(f"{name:<{widths[0]}}  {count:>{widths[1]}}  {base_url:<{widths[2]}}  {routes}")


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

    result = onboard_site(name, url, sites_file, overwrite=overwrite)
    for line in result.found:
        click.echo(f"  {line}")
    click.echo(
        f"wrote {result.path} after {result.requests} requests; review it, then run:\n"
        f"  defcorpus run --sites-file {result.path} --site {name}"
    )


@click.command()
@click.option("--site", "site_name", help="only this site")
@window_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet"]), default="jsonl", show_default=True)
@click.option("-o", "--output", default="-", show_default=True, help="a file path, or - for stdout (jsonl)")
@click.option("--all-versions", is_flag=True, help="every published version, not only the latest")
@store_options(must_exist="always")
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
    from defcorpus import export as export_lib

    skipped: list[tuple[str, str, int]] = []
    table = export_lib.select(store, site=site_name, since=since, until=until, latest=not all_versions, skipped=skipped)
    if site_name and not table.num_rows:
        check_site_in_store(store, site_name)  # before any output file exists
    count = _export_with_progress(export_lib.write, table, output, fmt)
    console.print(f"exported {count} articles", highlight=False)
    if skipped:
        click.echo(
            f"warning: {len(skipped)} published files could not be read and were left out "
            f"({sum(rows for _, _, rows in skipped)} rows); `defcorpus clean` of their site sets them aside",
            err=True,
        )
        sys.exit(EX_DATAERR)


@click.command()
@click.option("--site", "site_name", help="only this site")
@store_options(must_exist="always")
def stats(site_name: str | None, store: Store, s3_endpoint_url: str | None) -> None:
    """Published rows (all versions) and paywalled rows per site and publication month, from the manifests."""
    from corpus.table import partition_counts

    rows = partition_counts(store, site_name)
    if site_name and not rows:
        check_site_in_store(store, site_name)
    click.echo(f"{'site':<16} {'month':<8} {'rows':>8} {'paywalled':>9}")
    for row in rows:
        click.echo(f"{row['site']:<16} {row['month']:<8} {row['rows']:>8} {row['paywalled']:>9}")
    click.echo(f"{'total':<25} {sum(r['rows'] for r in rows):>8} {sum(r['paywalled'] for r in rows):>9}")


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--url", help="the page's URL (for its metadata and id); default: the file's file:// URI")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "txt"]), default="jsonl", show_default=True)
@click.option("--learn", is_flag=True, help="clean the pages of each site (URL host) together, with site learning on")
def extract(paths: tuple[str, ...], url: str | None, fmt: str, learn: bool) -> None:
    """Clean HTML pages (files, .gz, WARC files, directories, or - for stdin): one article per page.

    Uses the pipeline's cleaning, each page alone with site learning off; with --learn, the pages of
    each site together with site learning on, as a crawl's clean does. A page that cannot be read or
    is not an article gives an error record (jsonl/json) or a line on stderr (txt); the others still
    come out, and the exit status is 1.
    """
    from defcorpus.extract_cmd import extract_sources, write_outcomes

    failed = write_outcomes(extract_sources(paths, url=url, learn=learn), fmt, sys.stdout, sys.stderr)
    if failed:
        sys.exit(1)


@click.command()
@click.option("--site", "site_names", multiple=True, help="only this site (repeatable; default: every site)")
@window_options
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default="report.html", show_default=True
)
@store_options(must_exist="always")
def report(
    site_names: tuple[str, ...],
    since: str | None,
    until: str | None,
    output: Path,
    store: Store,
    s3_endpoint_url: str | None,
) -> None:
    """Write the corpus report: coverage, crawl health, text quality and drift, one self-contained HTML file."""
    from defcorpus.cli_options import Failure
    from defcorpus.report import ReportInputError, write_report

    try:
        data, _ = write_report(store, output=output, sites=list(site_names) or None, since=since, until=until)
    except ReportInputError as exc:
        raise Failure(str(exc)) from None
    looks = sum(f.level == "look" for f in data.findings)
    click.echo(f"wrote {output}: sites {len(data.sites)}, articles {data.total_articles}, findings to look at {looks}")


def _export_with_progress(write: Callable[..., int], table: Any, output: str, fmt: str) -> int:
    """A progress bar on stderr when it is a terminal; nothing in a pipe or a log."""
    if not console.is_terminal:
        return write(table, output, fmt=fmt)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("Exporting"), BarColumn(), MofNCompleteColumn())
    # redirect_stdout off: the records go to stdout (a file, a pipe), never into the progress display.
    with Progress(*columns, console=console, transient=True, redirect_stdout=False, redirect_stderr=False) as bar:
        task = bar.add_task("export", total=table.num_rows)
        return write(table, output, fmt=fmt, on_progress=lambda done, _total: bar.update(task, completed=done))

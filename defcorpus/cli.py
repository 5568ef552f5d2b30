"""The ``defcorpus`` command line: parses arguments and calls library functions, nothing more.

What a user can act on (a store, a site config, a crawl that failed, Ctrl-C) is answered in one
``Error: …`` line with an exit code, by one function, ``failure_for``; ``-v`` adds the traceback.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import click
from click.core import ParameterSource
from rich.console import Console

from corpus.dates import parse_bound
from corpus.errors import LeaseHeldError, StoreError
from crawlers.sites import SiteConfig, SiteConfigError, get_site, load_sites

if TYPE_CHECKING:
    from corpus.quarantine import Damage
    from corpus.store import Store

# boto3, pyarrow, Scrapy and the cleaner are imported by the commands that use them: `defcorpus --help`
# and argument errors stay fast.

DEFAULT_STORE = "./defcorpus-data"
EXIT_ERROR = 1
EX_TEMPFAIL = 75  # sysexits.h: try again later; lets a scheduler tell "busy" from "broken"
EXIT_INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for a Ctrl-C
# sysexits.h: the input data was incorrect. The command did all it could, but store objects were
# damaged: set aside (clean, compact) or left out (export); each is named in a warning line above.
EX_DATAERR = 65
console = Console(stderr=True)


class Failure(click.ClickException):
    """What every known error ends as: ``Error: <one line>`` on stderr and an exit code (``code``)."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def failure_for(exc: BaseException) -> Failure | None:
    """The one place that maps an error a user can act on to its line and exit code; None for a bug."""
    from crawlers.runner import CrawlBusyError, CrawlError, CrawlInterruptedError

    if isinstance(exc, CrawlInterruptedError):
        kept = "" if exc.pages_kept is None else f" {exc.pages_kept} pages kept;"
        return Failure(f"interrupted;{kept} rerun to continue", 128 + exc.signum)
    if isinstance(exc, KeyboardInterrupt):
        return Failure("interrupted; rerun to continue", EXIT_INTERRUPTED)
    if isinstance(exc, CrawlBusyError | LeaseHeldError):
        reason = exc.reason if isinstance(exc, CrawlError) else str(exc)
        return Failure(f"{reason}; run again when it finishes (a dead worker's lease expires by itself)", EX_TEMPFAIL)
    if isinstance(exc, CrawlError):
        return Failure(exc.reason)
    if isinstance(exc, StoreError | SiteConfigError):
        return Failure(str(exc))
    if isinstance(exc, OSError) and exc.filename is not None:  # an output file: -o /no/such/dir/x.jsonl
        return Failure(f"{exc.filename}: {exc.strerror or exc}")
    return None


class _Main(click.Group):
    """The ``defcorpus`` group: every command's known errors go through ``failure_for``."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Failure as raised:
            self._fail(ctx, raised)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BaseException as exc:
            mapped = failure_for(exc)
            if mapped is None:
                raise
            if ctx.params.get("verbose"):
                traceback.print_exception(exc)
            self._fail(ctx, mapped)

    @staticmethod
    def _fail(ctx: click.Context, failure: Failure) -> NoReturn:
        failure.show()
        ctx.exit(failure.code)


def _verbose() -> int:
    return int(click.get_current_context().find_root().params.get("verbose") or 0)


StoreCheck = Literal["always", "if_given"]


def store_options(
    func: Callable[..., Any] | None = None, *, must_exist: StoreCheck | None = None
) -> Callable[..., Any]:
    """--store and --s3-endpoint-url, on every command.

    ``must_exist``: a read-only command refuses a store that holds nothing ("always", or "if_given"
    when the store came from the command line or the environment, not the default): an empty store
    there is a mistyped path far more often than an empty corpus, and an empty answer would hide it.
    """
    if func is None:
        return functools.partial(store_options, must_exist=must_exist)

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
        from corpus.store import open_store

        store = open_store(store_url, s3_endpoint_url=s3_endpoint_url)
        ctx = click.get_current_context()
        given = ctx.get_parameter_source("store_url") is not ParameterSource.DEFAULT
        checked = must_exist == "always" or (must_exist == "if_given" and given)
        if checked and ctx.invoked_subcommand is None and store.is_empty():  # `sites add` reads no store
            raise Failure(
                f"no store at {store.url}: nothing has been crawled or published there "
                "(check --store or DEFCORPUS_STORE)"
            )
        return func(*args, store=store, s3_endpoint_url=s3_endpoint_url, **kwargs)

    return wrapper


def check_site_in_store(store: Store, site: str) -> None:
    """An empty answer for a site the store never published is a typo: say which sites it has."""
    from corpus.table import read_manifests

    sites = sorted({m["site"] for m in read_manifests(store)})
    if site not in sites:
        has = f"sites there: {', '.join(sites)}" if sites else "nothing is published there yet"
        raise Failure(f"site {site!r} has nothing published in {store.url} ({has})")


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
        site = get_site(site_name, sites_file)
        return func(*args, site=site.with_base_url(base_url) if base_url else site, **kwargs)

    return wrapper


class DateParam(click.ParamType):
    """YYYY-MM-DD (or ISO 8601 with a time), checked when parsed; passed on as written."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            parse_bound(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return str(value)


def window_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--since and --until; a window that holds no date (since on or after until) is a usage error."""

    @click.option("--since", type=DateParam(), help="only articles published on or after this date (YYYY-MM-DD)")
    @click.option("--until", type=DateParam(), help="only articles published before this date (YYYY-MM-DD)")
    @functools.wraps(func)
    def wrapper(*args: Any, since: str | None, until: str | None, **kwargs: Any) -> Any:
        if since and until and parse_bound(since) >= parse_bound(until):
            raise click.UsageError(f"--since {since} is not before --until {until}: the window [since, until) is empty")
        return func(*args, since=since, until=until, **kwargs)

    return wrapper


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-v", "--verbose", count=True, help="-v what defcorpus does, -vv its debug lines, -vvv the libraries' too"
)
@click.version_option(package_name="defcorpus")
def main(verbose: int) -> None:
    """defcorpus: a clean, trustworthy corpus of defense and national-security news."""
    configure_logging(verbose)


_OWN_LOGGERS = ("corpus", "cleaning", "crawlers", "dags", "bench")


def configure_logging(verbose: int) -> None:
    """Our own log at -v (INFO) and -vv (DEBUG); the libraries' (trafilatura, htmldate, botocore,
    Scrapy) only at -vvv: their lines about one page ("parsed tree length: 0") are not the user's
    business, and at DEBUG they flood."""
    libraries = logging.DEBUG if verbose >= 3 else logging.CRITICAL  # the root's level is the libraries'
    logging.basicConfig(level=libraries, format="%(levelname)s %(name)s: %(message)s")
    own = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    for name in _OWN_LOGGERS:
        logging.getLogger(name).setLevel(own)


@main.group(invoke_without_command=True)
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

    result = onboard_site(name, url, sites_file, overwrite=overwrite)
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
    _crawl(store, site, s3_endpoint_url=s3_endpoint_url, since=since, until=until)


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
    _crawl(store, site, s3_endpoint_url=s3_endpoint_url, since=since, until=until)
    _exit_if_damaged(_clean_one(store, site))


def _crawl(store: Store, site: SiteConfig, **job: Any) -> dict[str, Any]:
    """The crawl with its progress (and with -v its log); its summary, and a warning if most requests failed
    or the crawl's blocked share jumped (``quality.check_crawl``)."""
    from crawlers.extensions.crawl_report import Reach, format_summary
    from defcorpus.jobs import crawl_reports
    from defcorpus.progress import crawl_with_progress
    from defcorpus.quality import check_crawl

    if _verbose():
        job["on_log"] = lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True)
    report = crawl_with_progress(console, store, site, **job)
    click.echo(f"{format_summary(report)}; {len(report['warc_keys'])} WARC files ({report['finish_reason']})")
    reach = Reach.of(report)
    if reach.failed and reach.mostly_failed:
        console.print(f"Warning: crawl of {site.name}: {reach.describe()}", highlight=False, soft_wrap=True)
    history = crawl_reports(store, site.name, before=report.get("crawl_id"))
    for failure in check_crawl(site.name, report, history).failures:
        console.print(f"Warning: crawl of {failure}", highlight=False, soft_wrap=True)
    return report


def _clean_one(store: Store, site: SiteConfig, *, reclean: bool = False) -> list[Damage]:
    from defcorpus.progress import clean_with_progress

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
    count = export_lib.write(table, output, fmt=fmt)
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


@main.command()
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
    from defcorpus.report import ReportInputError, write_report

    try:
        data, _ = write_report(store, output=output, sites=list(site_names) or None, since=since, until=until)
    except ReportInputError as exc:
        raise Failure(str(exc)) from None
    looks = sum(f.level == "look" for f in data.findings)
    click.echo(f"wrote {output}: sites {len(data.sites)}, articles {data.total_articles}, findings to look at {looks}")


@main.command()
@click.option(
    "--site", "site_names", multiple=True, help="site to compact (repeatable; default: every site in the store)"
)
@store_options(must_exist="always")
def compact(site_names: tuple[str, ...], store: Store, s3_endpoint_url: str | None) -> None:
    """Merge each month's small files into one; readers see the same rows before and after."""
    from corpus.table import read_manifests
    from defcorpus.jobs import compact_site

    for name in site_names:  # before any lease is taken: a mistyped site leaves nothing in the store
        check_site_in_store(store, name)
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
    from corpus.store import open_store
    from defcorpus.demo import run_demo

    run_demo(Console(), open_store(store_url, s3_endpoint_url=s3_endpoint_url), s3_endpoint_url, port)


@main.command()
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


if __name__ == "__main__":
    sys.exit(main())

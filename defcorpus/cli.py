"""The ``defcorpus`` command line: parses arguments and calls library functions, nothing more.

What a user can act on (a store, a site config, a crawl that failed, Ctrl-C) is answered in one
``Error: …`` line with an exit code, by one function, ``failure_for``; ``-v`` adds the traceback.
Anything else is a bug and keeps its traceback. The commands live in ``cli_jobs`` (crawl, run,
backfill, clean, compact) and ``cli_read`` (sites, export, stats, extract); what they share in ``cli_options``.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any, NoReturn

import click
from rich.console import Console

from corpus import redact
from corpus.errors import LeaseHeldError, StoreError
from crawlers.sites import SiteConfigError
from defcorpus import cli_jobs, cli_read
from defcorpus.cli_options import DEFAULT_STORE, EX_TEMPFAIL, EXIT_INTERRUPTED, Failure

# boto3, pyarrow, Scrapy and the cleaner are imported by the commands that use them: `defcorpus --help`
# and argument errors stay fast.


def failure_for(exc: BaseException) -> Failure | None:
    """The one place that maps an error a user can act on to its line and exit code; None for a bug."""
    from crawlers.archives.client import ArchiveError
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
    if isinstance(exc, StoreError | SiteConfigError | ArchiveError):
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


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-v", "--verbose", count=True, help="-v what defcorpus does, -vv its debug lines, -vvv the libraries' too"
)
@click.version_option(package_name="defcorpus")
def main(verbose: int) -> None:
    """defcorpus: a clean, trustworthy corpus of defense and national-security news."""
    configure_logging(verbose)


_OWN_LOGGERS = ("defcorpus", "corpus", "cleaning", "crawlers", "dags", "bench")


def configure_logging(verbose: int) -> None:
    """Our own log at -v (INFO) and -vv (DEBUG); the libraries' (trafilatura, htmldate, botocore,
    Scrapy) only at -vvv: their lines about one page ("parsed tree length: 0") are not the user's
    business, and at DEBUG they flood."""
    redact.install()  # before the first record: at -vvv botocore logs its requests' credentials
    libraries = logging.DEBUG if verbose >= 3 else logging.CRITICAL  # the root's level is the libraries'
    logging.basicConfig(level=libraries, format="%(levelname)s %(name)s: %(message)s")
    own = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    for name in _OWN_LOGGERS:
        logging.getLogger(name).setLevel(own)


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
    from defcorpus.demo import PortInUseError, run_demo

    try:
        run_demo(Console(), open_store(store_url, s3_endpoint_url=s3_endpoint_url), s3_endpoint_url, port)
    except PortInUseError as exc:
        raise Failure(str(exc)) from None


for command in (cli_jobs.crawl, cli_jobs.run, cli_jobs.backfill, cli_jobs.clean, cli_jobs.compact):
    main.add_command(command)
for command in (cli_read.sites, cli_read.export, cli_read.stats, cli_read.report, cli_read.extract):
    main.add_command(command)


if __name__ == "__main__":
    sys.exit(main())

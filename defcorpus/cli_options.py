"""What every ``defcorpus`` command shares: exit codes, the ``Failure`` line, the store, site and window options.

Why apart from the commands: each command module (``cli_jobs``, ``cli_read``) and the group
(``defcorpus.cli``) use them, and a user sees the same option, error line and exit code everywhere.
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click
from click.core import ParameterSource
from rich.console import Console

from corpus.dates import parse_bound
from crawlers.sites import get_site

if TYPE_CHECKING:
    from corpus.quarantine import Damage
    from corpus.store import Store

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


def verbose() -> int:
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

    sites = sorted({m.site for m in read_manifests(store)})
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


def exit_if_damaged(damaged: list[Damage]) -> None:
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

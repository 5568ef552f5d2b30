"""``python -m crawlers``: one crawl of one site in this process.

Twisted's reactor starts once per process, so callers (the CLI, Airflow tasks, tests) run this as a
subprocess through ``crawlers.runner.run_crawl`` rather than starting Scrapy in their own process.

Exit status: 0 the crawl finished; 1 it failed (a WARC file not stored, the lease lost, stopped by a
signal); 2 refused before the first request (bad site config, setting or window); 3 it reached
nothing (every request failed: DNS, refused, TLS, timeouts); 4 refused because the store cannot be
used; 5 it fetched no article because a robots.txt could not be read (5xx, 429, a timeout: RFC 9309
says disallow all; the report's ``summary.robots_unreachable`` names the hosts); 75 refused
because another crawl of the site holds its lease. A refusal writes
``{"error": "<one line>"}`` to ``--report-file`` instead of a report, so the caller can say why
without parsing the log.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from twisted.internet import task

from corpus import layout, redact
from corpus.errors import LeaseHeldError, StoreError
from corpus.lease import Lease, crawl_lease
from corpus.store import Store, open_store
from crawlers import settings as default_settings
from crawlers.budget import DiscoveryLimits
from crawlers.crawl_store import attach_store
from crawlers.extensions.lease_keeper import LeaseKeeper
from crawlers.handlers.http11 import HeaderLimits
from crawlers.report import Reach
from crawlers.site_settings import site_settings
from crawlers.sites import SiteConfig, SiteConfigError, resolve_site
from crawlers.spiders.news import NewsSpider
from crawlers.window import Window

EXIT_FAILED = 1
EXIT_REFUSED = 2
EXIT_UNREACHED = 3
EXIT_STORE = 4
EXIT_ROBOTS_UNREACHABLE = 5
EXIT_BUSY = 75  # sysexits.h EX_TEMPFAIL: try again later
PARENT_CHECK_SECONDS = 1.0
logger = logging.getLogger("crawlers")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m crawlers", description=__doc__)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--site", help="a configured site's name")
    which.add_argument("--site-json", help="a whole site config as JSON (how defcorpus passes it)")
    parser.add_argument("--sites-file")
    parser.add_argument("--base-url", help="crawl the site at another address (a mirror, the demo)")
    parser.add_argument("--store", required=True)
    parser.add_argument("--s3-endpoint-url", help="default: DEFCORPUS_S3_ENDPOINT_URL, as defcorpus passes it")
    parser.add_argument("--since")
    parser.add_argument("--until")
    parser.add_argument("--crawl-id")
    parser.add_argument("--report-file")
    parser.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting (text)"
    )
    parser.add_argument(
        "--settings-json",
        metavar="JSON",
        help='Scrapy settings as one JSON object, values typed ({"DEFCORPUS_SSRF_ALLOW": ["10.0.0.0/8"]})',
    )
    return parser.parse_args(argv)


def _say(line: str) -> None:
    """To stderr, which a caller that is gone no longer reads (the crawl still ends in order)."""
    with contextlib.suppress(OSError):
        print(line, file=sys.stderr, flush=True)


def refuse(args: argparse.Namespace, message: str, code: int) -> int:
    """Say why in one line, on stderr and in the report file, and send no request."""
    _say(f"error: {message}")
    if args.report_file:
        Path(args.report_file).write_text(json.dumps({"error": message}))
    return code


def main(argv: list[str] | None = None) -> int:
    redact.install()  # before Scrapy's first record: at DEBUG botocore logs its requests' credentials
    args = parse_args(argv)
    try:
        site = resolve_site(args.site, site_json=args.site_json, sites_file=args.sites_file, base_url=args.base_url)
        Window.from_strings(args.since, args.until)  # the spider parses it once the reactor runs: too late to say
    except (SiteConfigError, ValueError) as exc:
        return refuse(args, str(exc), EXIT_REFUSED)
    try:
        settings = crawl_settings(args, site)
    except ValueError as exc:
        return refuse(args, str(exc), EXIT_REFUSED)
    ttl = timedelta(seconds=settings.getfloat("DEFCORPUS_CRAWL_LEASE_TTL"))
    if ttl <= timedelta(0):
        return refuse(args, "DEFCORPUS_CRAWL_LEASE_TTL must be positive", EXIT_REFUSED)
    try:  # the spider and the download handler read them once the reactor runs: too late to say
        DiscoveryLimits.from_settings(settings)
        HeaderLimits.from_settings(settings)
    except ValueError as exc:
        return refuse(args, str(exc), EXIT_REFUSED)
    code: int | None = None
    try:
        store = open_store(args.store, s3_endpoint_url=args.s3_endpoint_url)
        with crawl_lease(store, site.name, ttl=ttl) as lease:  # before the first request: one crawl per site
            code = _crawl(settings, site.model_dump_json(), args, store, lease, ttl)
    except StoreError as exc:
        if code is None:  # another crawl of this site is running, or the store cannot be used
            return refuse(args, str(exc), EXIT_BUSY if isinstance(exc, LeaseHeldError) else EXIT_STORE)
        # The crawl's data is stored; a lease left behind is taken over by the next crawl on this host
        # at once, and elsewhere after its TTL.
        _say(f"warning: could not release the crawl lease: {exc}")
    return code


def crawl_settings(args: argparse.Namespace, site: SiteConfig) -> Settings:
    """Defaults, then the site's rules, then the command line: ``--settings-json`` (typed), ``-s`` (text)."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.setdict(site_settings(site), priority="spider")
    settings.set("DEFCORPUS_STORE", args.store, priority="cmdline")
    settings.set("DEFCORPUS_S3_ENDPOINT_URL", args.s3_endpoint_url, priority="cmdline")
    settings.set("DEFCORPUS_CRAWL_ID", args.crawl_id or layout.new_run_id(), priority="cmdline")
    settings.set("DEFCORPUS_REPORT_FILE", args.report_file, priority="cmdline")
    if args.settings_json:
        try:
            typed = json.loads(args.settings_json)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--settings-json is not JSON: {exc}") from None
        if not isinstance(typed, dict):
            raise ValueError(f"--settings-json must be a JSON object of NAME: value, got {type(typed).__name__}")
        settings.setdict(typed, priority="cmdline")
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"-s expects NAME=VALUE, got {item!r}")
        settings.set(name, value, priority="cmdline")
    return settings


def _crawl(
    settings: Settings, site_json: str, args: argparse.Namespace, store: Store, lease: Lease, ttl: timedelta
) -> int:
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    attach_store(crawler, store)  # the lease's store is the crawl's: the components take it (crawlers.crawl_store)
    keeper = LeaseKeeper(crawler, lease, interval=ttl.total_seconds() / 3)  # signals hold it weakly: keep it
    watcher = _ParentWatcher(crawler)
    try:
        process.crawl(crawler, site_json=site_json, since=args.since, until=args.until)
    except (SiteConfigError, ValueError) as exc:
        _say(f"error: {exc}")
        return EXIT_REFUSED
    process.start()
    del keeper, watcher
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    finished = stats.get("finish_reason") == "finished"
    # A WARC file that failed to be stored as the crawl closed leaves "finished" but fails the crawl.
    if not finished or stats.get("warc/errors"):
        return EXIT_FAILED
    reach = Reach.from_stats(stats)
    if reach.nothing:
        logger.error("reached nothing: %s", reach.describe())
        return EXIT_UNREACHED
    if stats.get("robotstxt/forbidden/unreachable") and not stats.get("item_scraped_count"):
        # Not a quiet day: the site was not crawled at all. Failing lets the task retry later.
        hosts = ", ".join(stats.get("robotstxt/unreachable_hosts", []))
        logger.error("robots.txt unreachable: %s; all of it disallowed (RFC 9309), no article fetched", hosts)
        return EXIT_ROBOTS_UNREACHABLE
    return 0


class _ParentWatcher:
    """Stop the crawl, as a Ctrl-C would, when the process that started it is gone.

    Why: a caller killed outright (SIGKILL, an OOM kill, a lost Airflow worker) cannot stop its
    crawl, which would run on unwatched, holding the site's crawl lease. Stopped gracefully, the
    crawl stores what it fetched and releases the lease; the next run continues from there.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.parent = os.getppid()
        self._loop: task.LoopingCall | None = None
        crawler.signals.connect(self._start, signal=signals.engine_started)
        crawler.signals.connect(self._stop, signal=signals.spider_closed)

    def _start(self) -> None:
        self._loop = task.LoopingCall(self._check)
        self._loop.start(PARENT_CHECK_SECONDS, now=False)

    def _stop(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()

    def _check(self) -> None:
        if os.getppid() != self.parent:
            logger.warning("the process that started this crawl is gone: stopping it")
            self._stop()
            os.kill(os.getpid(), signal.SIGTERM)  # Scrapy's own graceful shutdown


if __name__ == "__main__":
    sys.exit(main())

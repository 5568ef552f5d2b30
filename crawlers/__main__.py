"""``python -m crawlers``: one crawl of one site in this process.

Twisted's reactor starts once per process, so callers (the CLI, Airflow tasks, tests) run this as a
subprocess through ``crawlers.runner.run_crawl`` rather than starting Scrapy in their own process.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from corpus import layout
from corpus.errors import StoreError
from corpus.lease import Lease, crawl_lease
from corpus.store import open_store
from crawlers import settings as default_settings
from crawlers.extensions.lease_keeper import LeaseKeeper
from crawlers.site_settings import site_settings
from crawlers.sites import SiteConfigError, resolve_site
from crawlers.spiders.news import NewsSpider


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
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        site = resolve_site(args.site, site_json=args.site_json, sites_file=args.sites_file, base_url=args.base_url)
    except SiteConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.setdict(site_settings(site), priority="spider")
    settings.set("DEFCORPUS_STORE", args.store, priority="cmdline")
    settings.set("DEFCORPUS_S3_ENDPOINT_URL", args.s3_endpoint_url, priority="cmdline")
    settings.set("DEFCORPUS_CRAWL_ID", args.crawl_id or layout.new_run_id(), priority="cmdline")
    settings.set("DEFCORPUS_REPORT_FILE", args.report_file, priority="cmdline")
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            print(f"error: -s expects NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        settings.set(name, value, priority="cmdline")
    ttl = timedelta(seconds=settings.getfloat("DEFCORPUS_CRAWL_LEASE_TTL"))
    if ttl <= timedelta(0):
        print("error: DEFCORPUS_CRAWL_LEASE_TTL must be positive", file=sys.stderr)
        return 2
    code: int | None = None
    try:
        store = open_store(args.store, s3_endpoint_url=args.s3_endpoint_url)
        with crawl_lease(store, site.name, ttl=ttl) as lease:  # before the first request: one crawl per site
            code = _crawl(settings, site.model_dump_json(), args, lease, ttl)
    except StoreError as exc:  # LeaseHeldError included: another crawl of this site is running
        if code is None:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        # The crawl's data is stored; a lease left behind is taken over by the next crawl on this host
        # at once, and elsewhere after its TTL.
        print(f"warning: could not release the crawl lease: {exc}", file=sys.stderr)
    return code


def _crawl(settings: Settings, site_json: str, args: argparse.Namespace, lease: Lease, ttl: timedelta) -> int:
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    keeper = LeaseKeeper(crawler, lease, interval=ttl.total_seconds() / 3)  # signals hold it weakly: keep it
    try:
        process.crawl(crawler, site_json=site_json, since=args.since, until=args.until)
    except (SiteConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    process.start()
    del keeper
    assert crawler.stats is not None
    finished = crawler.stats.get_value("finish_reason") == "finished"
    # A WARC file that failed to be stored as the crawl closed leaves "finished" but fails the crawl.
    return 0 if finished and not crawler.stats.get_value("warc/errors") else 1


if __name__ == "__main__":
    sys.exit(main())

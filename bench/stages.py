"""The measured pieces of ``bench.perf``, and its child-process stages.

    python -m bench.stages crawl --base-url URL --store STORE [--s3-endpoint-url URL]
    python -m bench.stages clean --base-url URL --store STORE [--s3-endpoint-url URL]
    python -m bench.stages report --store STORE [--s3-endpoint-url URL]

Each stage runs in its own process so its peak RSS is its own (``getrusage``), and prints one JSON
line. The crawl stage's own process only waits on the crawler child (``python -m crawlers``), so
the crawl's peak RSS is ``children_rss_mb``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus import layout
from crawlers.sites import SiteConfig, get_site

if TYPE_CHECKING:
    from collections.abc import Iterator

    from corpus.pages import FetchedPage

# Politeness off for the benchmark only: no delay, no AutoThrottle, the same concurrency as the baseline.
POLITENESS_OFF = {
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}  # fmt: skip
DUMMY_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
LATENCY_CALLS = 20
IMPORT_RUNS = 5


def mirror_site(base_url: str) -> SiteConfig:
    """The mini-site's config pointed at the mirror: the same discovery, URL rules and cleaning rules."""
    return get_site("minisite").with_base_url(base_url)


def _mb(kilobytes: int) -> float:
    return round(kilobytes / 1024, 1)  # Linux reports ru_maxrss in KiB


def _warc_keys(store_path: Path) -> list[str]:
    from corpus.store import open_store

    store = open_store(str(store_path))
    return sorted(k for k in store.list(layout.RAW_PREFIX) if k.endswith(layout.WARC_SUFFIX))


def _responses(store_path: Path, key: str) -> Iterator[FetchedPage]:
    """The HTML responses of one WARC file, read as the cleaner reads them (the same size limit)."""
    from cleaning.screen import MAX_PAGE_BYTES
    from corpus.store import open_store
    from corpus.warc import iter_responses

    return iter_responses(open_store(str(store_path)), key, max_bytes=MAX_PAGE_BYTES)


def fetched_urls(store_path: Path) -> list[str]:
    """Every URL our crawl stored a response for, in the order written: what the baseline fetches."""
    from warcio.archiveiterator import ArchiveIterator

    from corpus.store import open_store

    store, urls = open_store(str(store_path)), []
    for key in _warc_keys(store_path):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "f.warc.gz"
            store.download_file(key, path)
            with path.open("rb") as fh:
                urls += [
                    r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh) if r.rec_type == "response"
                ]
    return urls


def sample_store(raw_store: Path, dest: Path, pages: int) -> Path:
    """A store holding the first WARC files of ``raw_store`` with at least ``pages`` responses."""
    from corpus.store import open_store

    src, dst, count = open_store(str(raw_store)), open_store(str(dest)), 0
    for key in _warc_keys(raw_store):
        if count >= pages:
            break
        dst.write(key, src.read(key))
        count += sum(1 for _ in _responses(raw_store, key))
    return dest


def load_pages(store_path: Path, base_url: str) -> list[tuple[bytes, str]]:
    """The article pages of a store, as (html, url): the input every cleaning arm gets."""
    site = mirror_site(base_url)
    return [
        (p.html, p.url)
        for key in _warc_keys(store_path)
        for p in _responses(store_path, key)
        if site.is_article_url(p.url)
    ]


def time_clean(template: Path, dest: Path, base_url: str) -> tuple[float, int]:
    """CPU seconds of ``clean_site`` on a fresh copy of ``template`` (WARC in, Parquet out), and pages."""
    from corpus.store import open_store
    from defcorpus.clean import clean_site

    shutil.copytree(template, dest)
    try:
        start = time.process_time()
        report = clean_site(open_store(str(dest)), mirror_site(base_url))
        return time.process_time() - start, report.pages
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def time_trafilatura(pages: list[tuple[bytes, str]]) -> tuple[float, int]:
    import trafilatura

    start = time.process_time()
    for html, url in pages:
        trafilatura.extract(html, url=url)
    return time.process_time() - start, len(pages)


def time_lxml(pages: list[tuple[bytes, str]]) -> tuple[float, int]:
    from lxml import html as lxml_html

    start = time.process_time()
    for html, _ in pages:
        lxml_html.document_fromstring(html)
    return time.process_time() - start, len(pages)


def latency(raw_store: Path, base_url: str) -> dict[str, Any]:
    """Warm single-page extraction (``defcorpus.extract_cmd.extract_html``, what ``defcorpus extract``
    runs per page) and the CLI's import time (``import defcorpus.cli`` minus a bare interpreter)."""
    from defcorpus.extract_cmd import extract_html

    site = mirror_site(base_url)
    page = next(p for p in _responses(raw_store, _warc_keys(raw_store)[-1]) if site.is_article_url(p.url))
    when = datetime.now(UTC)
    extract_html(page.html, page.url, fetched_at=when)  # warm: imports, compiled selectors
    calls = []
    for _ in range(LATENCY_CALLS):
        start = time.perf_counter()
        extract_html(page.html, page.url, fetched_at=when)
        calls.append(time.perf_counter() - start)

    def wall(code: str) -> float:
        runs = []
        for _ in range(IMPORT_RUNS):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    bare, cli = wall("pass"), wall("import defcorpus.cli")
    return {
        "extract_latency_ms": round(statistics.median(calls) * 1000, 1),
        "cli_import_ms": round((cli - bare) * 1000, 1),
        "python_startup_ms": round(bare * 1000, 1),
    }


def create_bucket(endpoint: str, bucket: str) -> None:
    import boto3

    client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=DUMMY_AWS["AWS_ACCESS_KEY_ID"], aws_secret_access_key=DUMMY_AWS["AWS_SECRET_ACCESS_KEY"],
    )  # fmt: skip
    client.create_bucket(Bucket=bucket)


def crawl(base_url: str, store: str, s3_endpoint_url: str | None = None) -> dict[str, Any]:
    """Our crawl of the mirror, politeness off (WARC writing and incremental state on): its figures."""
    from crawlers.runner import CrawlJob, run_crawl

    job = CrawlJob(site=mirror_site(base_url), store=store, s3_endpoint_url=s3_endpoint_url, settings=POLITENESS_OFF)
    report = run_crawl(job)
    return {
        "pages": report.pages_fetched,
        "articles": report.articles_fetched,
        "elapsed": report.summarized.duration_seconds,
        "requests": report.summarized.requests,
    }


def _clean(args: argparse.Namespace) -> dict[str, Any]:
    from corpus.store import open_store
    from defcorpus.clean import clean_site

    store = open_store(args.store, s3_endpoint_url=args.s3_endpoint_url)
    report = clean_site(store, mirror_site(args.base_url))
    return {"pages": report.pages, "published": report.articles_published, "unchanged": report.articles_unchanged}


def _report(args: argparse.Namespace) -> dict[str, Any]:
    """``defcorpus report`` of the store: its seconds (collect and render apart) and the file's size."""
    from corpus.store import open_store
    from defcorpus.report import collect_report, render_html

    store = open_store(args.store, s3_endpoint_url=args.s3_endpoint_url)
    start = time.perf_counter()
    data = collect_report(store)
    collected = time.perf_counter()
    html = render_html(data)
    return {
        "collect_seconds": round(collected - start, 2),
        "render_seconds": round(time.perf_counter() - collected, 2),
        "articles": data.total_articles,
        "html_kb": round(len(html.encode()) / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stages", description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["crawl", "clean", "report"])
    parser.add_argument("--base-url")
    parser.add_argument("--store", required=True)
    parser.add_argument("--s3-endpoint-url")
    args = parser.parse_args(argv)
    if args.stage != "report" and not args.base_url:
        parser.error(f"{args.stage} needs --base-url")
    stages = {"crawl": lambda: crawl(args.base_url, args.store, args.s3_endpoint_url), "clean": lambda: _clean(args)}
    out = stages.get(args.stage, lambda: _report(args))()
    out["self_rss_mb"] = _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    out["children_rss_mb"] = _mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

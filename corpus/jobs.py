"""The stages as jobs over the store: crawl a site, clean what is new, publish it.

These are the functions the CLI and the Airflow DAGs call. Each job is idempotent: a WARC file is
cleaned once (its key is recorded in the manifest that published it), and an article version
already published (same id, same content hash) is never published again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cleaning.boilerplate import BoilerplateStats
from cleaning.options import CleanOptions
from cleaning.pipeline import FetchedPage, clean_batch
from corpus import layout
from corpus.errors import KeyNotFoundError
from corpus.store import Store
from corpus.table import live_files, publish, read_file, read_manifests, remove_unpublished
from corpus.warc import iter_responses
from crawlers.runner import CrawlJob, run_crawl
from crawlers.sites import SiteConfig

logger = logging.getLogger(__name__)


@dataclass
class CleanReport:
    site: str
    warc_files: int = 0
    pages: int = 0
    articles_published: int = 0
    articles_unchanged: int = 0
    boilerplate_removed: int = 0
    bios_removed: int = 0
    dropped_by_rule: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    removed_by_article: Counter[str] = field(default_factory=Counter)
    batch_id: str | None = None


def clean_site(
    store: Store, site: SiteConfig, *, on_page: Callable[[int, int], None] | None = None
) -> CleanReport:
    """Clean every raw WARC file of ``site`` that no published batch has consumed yet."""
    report = CleanReport(site=site.name)
    remove_unpublished(store, site.name)
    manifests = read_manifests(store, site.name)
    consumed = {key for m in manifests for key in m["inputs"]}
    new_keys = [k for k in store.list(layout.raw_site_prefix(site.name))
                if k.endswith(".warc.gz") and k not in consumed]
    report.warc_files = len(new_keys)
    if not new_keys:
        logger.info("%s: no new WARC files to clean", site.name)
        return report
    options = CleanOptions.build(site.name, **site.clean_options())  # type: ignore[arg-type]
    stats = _load_boilerplate(store, site)
    pages = list(_article_pages(store, site, new_keys))
    report.pages = len(pages)
    result = clean_batch(_counting(pages, on_page), options, stats)
    published = _published_versions(store, manifests)
    fresh = []
    for article in result.articles:
        version = (article.id, article.content_hash)
        if version in published:
            report.articles_unchanged += 1
            continue
        published.add(version)
        fresh.append(article)
    store.write(layout.boilerplate_state_key(site.name), stats.to_json())
    report.batch_id = layout.new_run_id()
    publish(store, site.name, fresh, report.batch_id, inputs=new_keys)
    report.articles_published = len(fresh)
    report.rejected = result.rejected
    report.bios_removed = sum(r.reason == "author_bio" for r in result.removals)
    report.boilerplate_removed = len(result.removals)
    report.dropped_by_rule = result.dropped_by_rule
    report.removed_by_article = Counter(r.article_id for r in result.removals)
    return report


def crawl_site(store_url: str, site: SiteConfig, **job: Any) -> dict[str, Any]:
    """Crawl ``site`` into the store's ``raw/`` (in a child process; see ``crawlers.runner``)."""
    callbacks = {k: job.pop(k) for k in ("on_log", "on_progress") if k in job}
    return run_crawl(CrawlJob(site=site, store=store_url, **job), **callbacks)


def _article_pages(store: Store, site: SiteConfig, keys: list[str]) -> Iterator[FetchedPage]:
    for key in keys:
        for page in iter_responses(store, key):
            if site.is_article_url(page.url):
                yield page


def _counting(pages: list[FetchedPage], on_page: Callable[[int, int], None] | None) -> Iterator[FetchedPage]:
    for done, page in enumerate(pages, 1):
        yield page
        if on_page:
            on_page(done, len(pages))


def _load_boilerplate(store: Store, site: SiteConfig) -> BoilerplateStats:
    try:
        raw = store.read(layout.boilerplate_state_key(site.name))
    except KeyNotFoundError:
        return BoilerplateStats(min_articles=site.cleaning.boilerplate_min_articles)
    return BoilerplateStats.from_json(raw, min_articles=site.cleaning.boilerplate_min_articles)


def _published_versions(store: Store, manifests: list[dict[str, Any]]) -> set[tuple[str, str]]:
    versions: set[tuple[str, str]] = set()
    for file in live_files(manifests):
        table = read_file(store, file["key"]).select(["id", "content_hash"])
        versions.update(zip(table["id"].to_pylist(), table["content_hash"].to_pylist(), strict=True))
    return versions

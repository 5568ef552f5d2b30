"""The clean job: every raw WARC file of a site not cleaned yet, cleaned and published in chunks.

Idempotent: a WARC file is cleaned once (its key is recorded in the manifest that published it),
and an article version already published (same id, same content hash, same metadata) is never
published again. The same text fetched later with other metadata (dates a skewed crawler clock
dropped, now kept; a corrected byline) is a new version, so a re-fetch repairs the record. The pages
it rejects are filed for the next crawl, which asks for them again (``crawlers.state``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass

from cleaning.boilerplate import BoilerplateStats
from cleaning.dedup import DedupIndex
from cleaning.identity import SHARED, IdentityRules, own_url, separate, separate_shared
from cleaning.options import CleanOptions
from cleaning.pipeline import BatchResult
from corpus import layout
from corpus.lease import Lease, clean_lease
from corpus.manifest import Manifest
from corpus.manifest_catalog import save_catalog
from corpus.pages import FetchedPage
from corpus.quarantine import readable_warc_keys
from corpus.schema import Article
from corpus.store import Store
from corpus.table import publish, read_manifests
from corpus.version_index import Version
from crawlers.sites import SiteConfig
from crawlers.state import write_rejections
from defcorpus.batch_summary import build_summary, write_summary
from defcorpus.clean_report import CleanReport
from defcorpus.parallel import Extractor
from defcorpus.raw_pages import file_pages
from defcorpus.repair import repair_site
from defcorpus.site_state import group_duplicates, load_boilerplate, load_dedup, save_boilerplate
from defcorpus.versions import SiteVersions, open_versions

logger = logging.getLogger(__name__)
# Article pages cleaned and published per batch: bounds memory on a large backlog (whole WARC files
# are added until a chunk reaches this; a file holds at most DEFCORPUS_WARC_MAX_RECORDS responses).
CLEAN_CHUNK_PAGES = 500


def clean_site(
    store: Store, site: SiteConfig, *, on_page: Callable[[int, int], None] | None = None, workers: int = 1
) -> CleanReport:
    """Clean every raw WARC file of ``site`` that no published batch has consumed yet.

    Holds the site's clean lease: a second worker on the same site gets ``LeaseHeldError``.
    ``workers``: processes that extract the pages (``defcorpus.parallel``); what is published is the same.
    """
    with clean_lease(store, site.name) as lease, closing(Extractor(workers, site)) as extractor:
        report = _clean_new(store, site, on_page, lease, extractor)
        save_catalog(store, site.name)  # the next clean reads only the manifests published after this
        return report


def _clean_new(
    store: Store, site: SiteConfig, on_page: Callable[[int, int], None] | None, lease: Lease, extractor: Extractor
) -> CleanReport:
    report = CleanReport(site=site.name)
    report.damaged += repair_site(store, site.name)
    manifests = read_manifests(store, site.name)
    new_keys = pending_warc_keys(store, site.name, manifests=manifests)
    report.warc_files = len(new_keys)
    if not new_keys:
        logger.info("%s: no new WARC files to clean", site.name)
        return report
    options = clean_options(site)
    progress = _Progress(on_page, len(new_keys))
    memory: _SiteMemory | None = None
    for keys, pages in _chunks(store, site, new_keys, progress, report):
        if not pages:  # discovery only (robots.txt, sitemaps, feeds): consume the files, nothing to learn
            lease.renew(if_due=True)
            _publish_batch(store, site, [], keys, report)
            continue
        # Loaded on the first article page: a re-run that fetched only discovery pages skips it.
        memory = memory or _SiteMemory(
            load_boilerplate(store, site),
            open_versions(store, site.name, manifests, report.damaged),
            load_dedup(store),
            extractor,
        )
        _clean_chunk(store, site, keys, pages, options, memory, report, progress, lease)
    if memory is not None:
        memory.published.save()  # once per clean: a clean killed before it is folded by the next
    return report


def clean_options(site: SiteConfig) -> CleanOptions:
    """The site config's cleaning rules, compiled for the cleaner.

    The domains and article rules go too: a page's canonical decides its article's id only when it
    is an article URL of this site (``cleaning.identity``).
    """
    identity = IdentityRules.build(site.allowed_domains, site.articles.allow, site.articles.deny)
    return CleanOptions.build(site.name, site.cleaning, language=site.language, identity=identity)


def pending_warc_keys(store: Store, site: str, *, manifests: list[Manifest] | None = None) -> list[str]:
    """Raw WARC keys of ``site`` that no published batch lists as an input: what a clean would take.

    Why public: the Airflow cleaning DAG asks this before cleaning, to map only over sites with work.
    """
    if manifests is None:
        manifests = read_manifests(store, site)
    consumed = {key for m in manifests for key in m.inputs}
    return [k for k in readable_warc_keys(store, site) if k not in consumed]


@dataclass
class _SiteMemory:
    """What a clean of one site reads from the store once and carries from chunk to chunk."""

    stats: BoilerplateStats  # learned boilerplate
    published: SiteVersions  # every published version: text and metadata (``defcorpus.versions``)
    dedup: DedupIndex  # every site's dedup shard
    extractor: Extractor  # pass one of cleaning, over the clean's worker processes


def _chunks(
    store: Store, site: SiteConfig, keys: list[str], progress: _Progress, report: CleanReport
) -> Iterator[tuple[list[str], list[FetchedPage]]]:
    """Whole WARC files, grouped until a group holds ``CLEAN_CHUNK_PAGES`` article pages.

    Why: memory holds one chunk's pages, not the whole backlog (a 10,000-page backfill is ~300 MB
    of HTML). A file is never split, so the manifest of the chunk that cleaned it lists it whole.
    """
    group: list[str] = []
    pages: list[FetchedPage] = []
    for key in keys:
        consumed, found = file_pages(store, site, key, report.rejected, report.damaged)
        pages += found
        group += [consumed] if consumed else []
        progress.file_read(len(pages))
        if len(pages) >= CLEAN_CHUNK_PAGES:
            yield group, pages
            group, pages = [], []
    if group:
        yield group, pages


def _clean_chunk(
    store: Store,
    site: SiteConfig,
    keys: list[str],
    pages: list[FetchedPage],
    options: CleanOptions,
    memory: _SiteMemory,
    report: CleanReport,
    progress: _Progress,
    lease: Lease,
) -> None:
    """Clean one chunk and publish it as one batch whose manifest consumes the chunk's WARC files.

    A crash between chunks loses nothing (later chunks' files are still pending) and duplicates
    nothing (a version already published is skipped). A clean that outlived its lease stops before
    the chunk's first write (``LeaseLostError``), so it never writes beside the worker that took over.
    """
    report.pages += len(pages)
    result = memory.extractor.clean(pages, options, memory.stats, progress.advance)
    lease.renew(if_due=True)
    result.articles = note_separated(result, result.articles, separate_shared(result.articles))
    memory.published.prefetch(a.id for a in result.articles)  # only the index partitions these ids fall in
    result.articles = note_separated(result, result.articles, apart_from_published(result.articles, memory.published))
    result.articles = group_duplicates(store, site.name, result.articles, memory.dedup)
    fresh = []
    memory.published.prefetch(a.id for a in result.articles)  # the ids of pages that kept their own URLs too
    for article in result.articles:
        version = Version.of(article, own_url(article.url))
        if version in memory.published:
            report.articles_unchanged += 1
            continue
        memory.published.add(version)
        fresh.append(article)
    save_boilerplate(store, site.name, memory.stats)
    # Before the batch commits: a clean killed between the two cleans the files again and files them again.
    rejected = [(p.url, p.warc_file) for p in result.rejected_pages if p.warc_file]
    write_rejections(store, site.name, layout.new_run_id(), rejected)
    _publish_batch(store, site, fresh, keys, report)
    memory.published.committed(report.batch_id)  # its versions are published now
    write_summary(store, build_summary(site.name, str(report.batch_id), result, fresh))
    report.add(result)


def _publish_batch(store: Store, site: SiteConfig, fresh: list[Article], keys: list[str], report: CleanReport) -> None:
    """Publish ``fresh`` as one batch whose manifest records ``keys`` as consumed."""
    report.batch_id = layout.new_run_id()
    report.batch_ids.append(report.batch_id)
    publish(store, site.name, fresh, report.batch_id, inputs=keys)
    report.add_published(fresh)


def apart_from_published(articles: list[Article], published: SiteVersions) -> list[Article]:
    """The articles, those claiming an id another page holds in earlier batches under their own URLs.

    ``separate_shared`` sees one batch; an incremental clean's batch holds the new pages only, so
    the page that already holds the id (``SiteVersions.held_by_another_page``) is known from the index.
    """
    return [
        separate(a, {a.id}) if published.held_by_another_page(Version.of(a, own_url(a.url))) else a for a in articles
    ]


def note_separated(result: BatchResult, before: list[Article], after: list[Article]) -> list[Article]:
    """``after``; the articles that left a shared canonical for their own URL are counted in ``result``."""
    moved = sum(a.id != b.id for a, b in zip(before, after, strict=True))
    if moved:
        result.dropped_values[SHARED] += moved
    return after


class _Progress:
    """Pages cleaned of an estimated total: the total is known only once every file has been read."""

    def __init__(self, on_page: Callable[[int, int], None] | None, files: int) -> None:
        self.on_page, self.files, self.files_read, self.pages_read, self.done = on_page, files, 0, 0, 0

    def file_read(self, pages_in_chunk: int) -> None:
        self.files_read += 1
        self.pages_read = self.done + pages_in_chunk

    def advance(self, pages: int) -> None:
        """``pages`` more pages cleaned."""
        self.done += pages
        if self.on_page:
            estimate = round(self.pages_read / self.files_read * self.files) if self.files_read else 0
            self.on_page(self.done, max(self.done, estimate))

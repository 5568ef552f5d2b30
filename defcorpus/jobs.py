"""The stages as jobs over the store: crawl a site, clean what is new, publish it.

These are the functions the CLI and the Airflow DAGs call. Each job is idempotent: a WARC file is
cleaned once (its key is recorded in the manifest that published it), and an article version
already published (same id, same content hash) is never published again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cleaning.boilerplate import BoilerplateStats
from cleaning.dedup import DedupIndex, DedupShard
from cleaning.identity import SHARED, CanonicalClaims, own_url, separate, separate_shared
from cleaning.options import CleanOptions
from cleaning.pipeline import BatchResult, Removal, build_article, clean_batch, extract_pages, observe
from cleaning.screen import MAX_PAGE_BYTES, screen_page
from corpus import layout
from corpus.errors import KeyNotFoundError
from corpus.lease import Lease, clean_lease
from corpus.pages import FetchedPage
from corpus.quarantine import Damage, readable_warc_keys
from corpus.schema import Article
from corpus.store import Store
from corpus.table import articles_to_table, live_files, publish, read_manifests
from corpus.warc import iter_responses
from crawlers.runner import CrawlJob, run_crawl
from crawlers.sites import NAME_PATTERN, SiteConfig
from defcorpus.batch_summary import build_summary, write_summary
from defcorpus.repair import compact_repaired, readable_files, repair_site
from defcorpus.salvage import read_salvaging

logger = logging.getLogger(__name__)
# Article pages cleaned and published per batch: bounds memory on a large backlog (whole WARC files
# are added until a chunk reaches this; a file holds at most DEFCORPUS_WARC_MAX_RECORDS responses).
CLEAN_CHUNK_PAGES = 500


@dataclass
class CleanReport:
    site: str
    warc_files: int = 0
    pages: int = 0
    articles_published: int = 0
    articles_unchanged: int = 0
    articles_paywalled: int = 0  # of articles_published, those the crawler flagged as behind a paywall
    boilerplate_removed: int = 0
    bios_removed: int = 0
    dropped_by_rule: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    # (paragraphs removed, article id) of the article the cleaner removed most from: what the demo shows.
    most_removed: tuple[int, str] | None = None
    dropped_values: Counter[str] = field(default_factory=Counter)  # metadata refused, e.g. a date after the fetch
    batch_id: str | None = None  # the last batch published (a large backlog is published in chunks)
    batch_ids: list[str] = field(default_factory=list)
    # Store objects found damaged and set aside (defcorpus.repair, defcorpus.salvage): the CLI exits 65 if any.
    damaged: list[Damage] = field(default_factory=list)

    def note_removals(self, removals: list[Removal]) -> None:
        """Keep the most-cleaned article, not a count per article: a report's size must not grow with a backfill."""
        counts = Counter(r.article_id for r in removals)
        top = max(((n, article_id) for article_id, n in counts.items()), default=None)
        if top is not None:
            self.most_removed = max(self.most_removed or top, top)


def clean_site(store: Store, site: SiteConfig, *, on_page: Callable[[int, int], None] | None = None) -> CleanReport:
    """Clean every raw WARC file of ``site`` that no published batch has consumed yet.

    Holds the site's clean lease: a second worker on the same site gets ``LeaseHeldError``.
    """
    with clean_lease(store, site.name) as lease:
        return _clean_new(store, site, on_page, lease)


def _clean_new(store: Store, site: SiteConfig, on_page: Callable[[int, int], None] | None, lease: Lease) -> CleanReport:
    report = CleanReport(site=site.name)
    report.damaged += repair_site(store, site.name)
    manifests = read_manifests(store, site.name)
    new_keys = pending_warc_keys(store, site.name, manifests=manifests)
    report.warc_files = len(new_keys)
    if not new_keys:
        logger.info("%s: no new WARC files to clean", site.name)
        return report
    options = CleanOptions.build(site.name, **site.clean_options())  # type: ignore[arg-type]
    progress = _Progress(on_page, len(new_keys))
    memory: _SiteMemory | None = None
    for keys, pages in _chunks(store, site, new_keys, progress, report):
        if not pages:  # discovery only (robots.txt, sitemaps, feeds): consume the files, nothing to learn
            lease.renew(if_due=True)
            _publish_batch(store, site, [], keys, report)
            continue
        # Loaded on the first article page: a re-run that fetched only discovery pages skips it.
        memory = memory or _SiteMemory(
            _load_boilerplate(store, site),
            _published_versions(store, site.name, manifests, report.damaged),
            load_dedup(store),
        )
        _clean_chunk(store, site, keys, pages, options, memory, report, progress, lease)
    return report


@dataclass
class _SiteMemory:
    """What a clean of one site reads from the store once and carries from chunk to chunk."""

    stats: BoilerplateStats  # learned boilerplate
    published: PublishedVersions  # (id, content_hash) of every published version
    dedup: DedupIndex  # every site's dedup shard


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
        consumed, file_pages = _file_pages(store, site, key, report.rejected, report.damaged)
        pages += file_pages
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
    result = clean_batch(progress.counting(pages), options, memory.stats)
    lease.renew(if_due=True)
    result.articles = _note_separated(result, result.articles, separate_shared(result.articles))
    result.articles = group_duplicates(store, site.name, result.articles, memory.dedup)
    fresh = []
    for article in result.articles:
        version = (article.id, article.content_hash)
        if version in memory.published:
            report.articles_unchanged += 1
            continue
        memory.published.add(version)
        fresh.append(article)
    store.write(layout.boilerplate_state_key(site.name), memory.stats.to_json())
    _publish_batch(store, site, fresh, keys, report)
    write_summary(store, build_summary(site.name, str(report.batch_id), result, fresh))
    report.rejected.update(result.rejected)
    report.bios_removed += sum(r.is_bio for r in result.removals)
    report.boilerplate_removed += len(result.removals)
    report.dropped_by_rule += result.dropped_by_rule
    report.note_removals(result.removals)
    report.dropped_values.update(result.dropped_values)


def _publish_batch(store: Store, site: SiteConfig, fresh: list[Article], keys: list[str], report: CleanReport) -> None:
    """Publish ``fresh`` as one batch whose manifest records ``keys`` as consumed."""
    report.batch_id = layout.new_run_id()
    report.batch_ids.append(report.batch_id)
    publish(store, site.name, fresh, report.batch_id, inputs=keys)
    report.articles_published += len(fresh)
    report.articles_paywalled += sum(a.paywalled for a in fresh)


def compact_site(
    store: Store, site: str, *, min_files: int = 2, damaged: list[Damage] | None = None
) -> dict[str, Any] | None:
    """Merge each month of ``site`` holding ``min_files`` or more files into one; its manifest, or None.

    Why: a backfill cleaned in chunks leaves one small file per publication month per chunk (about
    30 rows each on a mirror whose crawl interleaves months), and every reader pays per file. Holds
    the site's clean lease, so it never runs beside a clean of the site. Repairs the site first, and
    sets aside a file it cannot read, then compacts without it; what was damaged goes to ``damaged``.
    """
    with clean_lease(store, site):
        return compact_repaired(store, site, min_files=min_files, damaged=damaged)


def pending_warc_keys(store: Store, site: str, *, manifests: list[dict[str, Any]] | None = None) -> list[str]:
    """Raw WARC keys of ``site`` that no published batch lists as an input: what a clean would take.

    Why public: the Airflow cleaning DAG asks this before cleaning, to map only over sites with work.
    """
    if manifests is None:
        manifests = read_manifests(store, site)
    consumed = {key for m in manifests for key in m["inputs"]}
    return [k for k in readable_warc_keys(store, site) if k not in consumed]


def crawl_site(store_url: str, site: SiteConfig, **job: Any) -> dict[str, Any]:
    """Crawl ``site`` into the store's ``raw/`` (in a child process; see ``crawlers.runner``)."""
    callbacks = {k: job.pop(k) for k in ("on_log", "on_progress") if k in job}
    return run_crawl(CrawlJob(site=site, store=store_url, **job), **callbacks)


def crawl_reports(store: Store, site: str, *, before: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """The site's last ``limit`` crawl reports older than the crawl ``before`` (a crawl id), oldest first.

    Why: a crawl is judged against the site's own earlier crawls (``quality.check_crawl``).
    """
    last = layout.crawl_stats_key(site, before) if before else None
    keys = sorted(k for k in store.list(layout.raw_site_prefix(site)) if k.endswith(".stats.json"))
    reports = []
    for key in [k for k in keys if last is None or k < last][-limit:]:
        try:
            reports.append(json.loads(store.read(key)))
        except (KeyNotFoundError, ValueError):  # pruned meanwhile, or not a report
            continue
    return reports


def _article_pages(
    store: Store, site: SiteConfig, keys: list[str], refused: Counter[str] | None = None
) -> Iterator[FetchedPage]:
    """The article pages of ``keys``; one too large or binary is counted in ``refused``, not yielded."""
    for key in keys:
        for page in iter_responses(store, key, max_bytes=MAX_PAGE_BYTES):
            if not site.is_article_url(page.url):
                continue
            rejection = screen_page(page.html, content_type=page.content_type)
            if rejection is not None:
                logger.warning("not cleaned (%s, %s): %s", rejection.reason, rejection.detail, page.url)
                if refused is not None:
                    refused[rejection.reason] += 1
                continue
            yield page


def _latest_per_article(articles: list[Article]) -> dict[str, Article]:
    """id -> the version of each article a clean would have published last (see ``_supersedes``)."""
    latest: dict[str, Article] = {}
    for article in articles:
        if article.id not in latest or _supersedes(article, latest[article.id]):
            latest[article.id] = article
    return latest


def _supersedes(article: Article, current: Article) -> bool:
    """A later (or as late) fetch with another text: a new version, as a clean sees it.

    Why not every later fetch: a clean publishes a text once, from the first page that has it, and
    skips the same text fetched again, also through another link (a feed link with tracking
    parameters, then the sitemap link); the re-clean keeps that first page, so publishes nothing new.
    """
    return article.content_hash != current.content_hash and article.fetched_at >= current.fetched_at


def _note_separated(result: BatchResult, before: list[Article], after: list[Article]) -> list[Article]:
    """``after``; the articles that left a shared canonical for their own URL are counted in ``result``."""
    moved = sum(a.id != b.id for a, b in zip(before, after, strict=True))
    if moved:
        result.dropped_values[SHARED] += moved
    return after


def _file_pages(
    store: Store, site: SiteConfig, key: str, refused: Counter[str], damaged: list[Damage]
) -> tuple[str | None, list[FetchedPage]]:
    """The article pages of one WARC file, and the key to record as consumed (``defcorpus.salvage``)."""
    return read_salvaging(store, site.name, key, lambda k: _article_pages(store, site, [k], refused), damaged)


class _Progress:
    """Pages cleaned of an estimated total: the total is known only once every file has been read."""

    def __init__(self, on_page: Callable[[int, int], None] | None, files: int) -> None:
        self.on_page, self.files, self.files_read, self.pages_read, self.done = on_page, files, 0, 0, 0

    def file_read(self, pages_in_chunk: int) -> None:
        self.files_read += 1
        self.pages_read = self.done + pages_in_chunk

    def counting(self, pages: list[FetchedPage]) -> Iterator[FetchedPage]:
        for page in pages:
            yield page
            self.done += 1
            if self.on_page:
                estimate = round(self.pages_read / self.files_read * self.files) if self.files_read else 0
                self.on_page(self.done, max(self.done, estimate))


def _load_boilerplate(store: Store, site: SiteConfig) -> BoilerplateStats:
    try:
        raw = store.read(layout.boilerplate_state_key(site.name))
    except KeyNotFoundError:
        return _new_boilerplate(site)
    rules = site.cleaning
    return BoilerplateStats.from_json(
        raw, min_articles=rules.boilerplate_min_articles, max_clusters=rules.boilerplate_max_paragraphs
    )


def _new_boilerplate(site: SiteConfig) -> BoilerplateStats:
    rules = site.cleaning
    return BoilerplateStats(min_articles=rules.boilerplate_min_articles, max_clusters=rules.boilerplate_max_paragraphs)


def _published_versions(
    store: Store, site: str, manifests: list[dict[str, Any]], damaged: list[Damage]
) -> PublishedVersions:
    digests: list[bytes] = []
    for _, table in readable_files(store, site, live_files(manifests), damaged):
        table = table.select(["id", "content_hash"])
        digests += map(PublishedVersions.digest, table["id"].to_pylist(), table["content_hash"].to_pylist())
    return PublishedVersions(digests)


class PublishedVersions:
    """A set of (article id, content hash), held as sorted 16-byte digests.

    Why not a set of string tuples: that costs about 250 bytes per version, so a site with a million
    published articles would hold 250 MB in every clean; this holds 16 MB. Versions added by this
    clean go to a small Python set until the clean ends.
    """

    def __init__(self, digests: list[bytes]) -> None:
        self._sorted = np.unique(np.array(digests, dtype="S16")) if digests else np.array([], dtype="S16")
        self._added: set[bytes] = set()

    @staticmethod
    def digest(article_id: str, content_hash: str) -> bytes:
        return hashlib.blake2b(f"{article_id}\n{content_hash}".encode(), digest_size=16).digest()

    def __contains__(self, version: tuple[str, str]) -> bool:
        digest = self.digest(*version)
        if digest in self._added:
            return True
        i = int(np.searchsorted(self._sorted, digest))
        # numpy hands an "S16" item back without its trailing NUL bytes: compare it so.
        return i < self._sorted.size and self._sorted[i] == digest.rstrip(b"\0")

    def add(self, version: tuple[str, str]) -> None:
        self._added.add(self.digest(*version))

    def __len__(self) -> int:
        return self._sorted.size + len(self._added)


# --- re-clean and dedup (issue 4) -------------------------------------------------------------------

DEDUP_STATE_PREFIX = f"{layout.STATE_PREFIX}_dedup/"  # "_" cannot start a site name: no clash with state/<site>/
# Provenance and versions differ on every re-clean; a new version is published only when the rest differs.
_NOT_CONTENT = {"warc_file", "warc_record_id", "fetched_at", "cleaner_version", "site", "month"}


def reclean_site(store: Store, site: SiteConfig, *, on_page: Callable[[int, int], None] | None = None) -> CleanReport:
    """Re-clean every raw WARC file of ``site`` already in the store with the current cleaner.

    Reads the store only (no request reaches the site). The site's boilerplate statistics and dedup
    shard are rebuilt from all its raw pages, in two streamed passes (learn, then clean) so memory
    holds one WARC file's pages, not the site's. A new version is published for an article whose
    record differs from its latest published one in anything but provenance; the rest are unchanged.
    Holds the site's clean lease, like ``clean_site``.
    """
    with clean_lease(store, site.name) as lease:
        return _reclean_all(store, site, on_page, lease)


def _reclean_all(
    store: Store, site: SiteConfig, on_page: Callable[[int, int], None] | None, lease: Lease
) -> CleanReport:
    report = CleanReport(site=site.name)
    report.damaged += repair_site(store, site.name)
    keys = readable_warc_keys(store, site.name)
    report.warc_files = len(keys)
    if not keys:
        return report
    options = CleanOptions.build(site.name, **site.clean_options())  # type: ignore[arg-type]
    stats = _new_boilerplate(site)
    learned = BatchResult()
    articles_seen = 0
    readable = []
    for key in keys:
        consumed, file_pages = _file_pages(store, site, key, learned.rejected, report.damaged)
        readable += [consumed] if consumed else []
        for item in extract_pages(iter(file_pages), options, learned):
            observe(stats, item)
            articles_seen += 1
    keys = readable  # a damaged file's salvaged part in its place
    report.pages = articles_seen + sum(learned.rejected.values())
    result = BatchResult()
    # The latest version per (id, page URL): which ids several different pages share is known only
    # once the whole site is read (the re-clean's batch is the site), then each keeps its own URL.
    latest_at: dict[tuple[str, str], Article] = {}
    claims = CanonicalClaims()
    pages = _article_pages(store, site, keys, result.rejected)
    for done, item in enumerate(extract_pages(pages, options, result), 1):
        article = build_article(item, options, stats, result)
        if article is not None:
            claims.add(article)
            at = (item.id, own_url(article.url))
            if at not in latest_at or _supersedes(article, latest_at[at]):
                latest_at[at] = article
        if on_page:
            on_page(done, articles_seen)
    shared, built = claims.shared(), list(latest_at.values())
    latest = _latest_per_article(_note_separated(result, built, [separate(a, shared) for a in built]))
    lease.renew(if_due=True)  # a re-clean reads the whole site first: check the lease before it writes
    dedup = load_dedup(store, rebuild=site.name)
    articles = group_duplicates(store, site.name, sorted(latest.values(), key=lambda a: a.id), dedup)
    current = _latest_published(store, site.name, read_manifests(store, site.name), report.damaged)
    fresh = [a for a in articles if current.get(a.id) != _content_of(articles_to_table([a]).to_pylist()[0])]
    store.write(layout.boilerplate_state_key(site.name), stats.to_json())
    report.batch_id = layout.new_run_id()
    if fresh:
        publish(store, site.name, fresh, report.batch_id, inputs=keys)
        write_summary(store, build_summary(site.name, report.batch_id, result, fresh, kind="reclean"))
    report.articles_published, report.articles_unchanged = len(fresh), len(articles) - len(fresh)
    report.articles_paywalled = sum(a.paywalled for a in fresh)
    report.rejected = result.rejected
    report.bios_removed = sum(r.is_bio for r in result.removals)
    report.boilerplate_removed = len(result.removals)
    report.dropped_by_rule = result.dropped_by_rule
    report.note_removals(result.removals)
    report.dropped_values = result.dropped_values
    return report


def dedup_state_key(site: str) -> str:
    if not re.match(NAME_PATTERN, site):
        raise ValueError(f"invalid site name {site!r}")
    return f"{DEDUP_STATE_PREFIX}{site}.json.gz"


def load_dedup(store: Store, *, rebuild: str | None = None) -> DedupIndex:
    """Every site's dedup shard, indexed; ``rebuild``: that site's shard starts afresh (a re-clean
    sees all of the site's articles).

    Loaded once per clean, not per chunk (a large site's shard costs seconds to load), and kept up to
    date by ``group_duplicates``. Another site's clean running at the same time is seen as of this
    load; a copy that crosses it is reported by ``superseded`` on a later clean.
    """
    shards = {}
    for key in store.list(DEDUP_STATE_PREFIX):
        if key.endswith(".json.gz") and not (rebuild and key == dedup_state_key(rebuild)):
            shard = DedupShard.from_bytes(store.read(key))
            shards[shard.site] = shard
    return DedupIndex(shards=shards)


def group_duplicates(store: Store, site: str, articles: list[Article], index: DedupIndex) -> list[Article]:
    """Set ``near_duplicate_of`` on ``articles`` against ``index`` (every site's shard); save this site's shard."""
    canonical = index.assign(articles)
    for stale, member in sorted(index.superseded(canonical.keys()).items()):
        logger.info("%s is now a copy of %s, which arrived later; re-clean its site to update it", stale, member)
    index.prune(site)
    store.write(dedup_state_key(site), index.shards.setdefault(site, DedupShard(site)).to_bytes())
    return [a.model_copy(update={"near_duplicate_of": canonical[a.id]}) for a in articles]


def _latest_published(
    store: Store, site: str, manifests: list[dict[str, Any]], damaged: list[Damage]
) -> dict[str, str]:
    """id -> content of its most recently fetched published version (see ``_content_of``)."""
    latest: dict[str, tuple[Any, str]] = {}
    for _, table in readable_files(store, site, live_files(manifests), damaged):
        for row in table.to_pylist():
            if row["id"] not in latest or row["fetched_at"] >= latest[row["id"]][0]:
                latest[row["id"]] = (row["fetched_at"], _content_of(row))
    return {article_id: content for article_id, (_, content) in latest.items()}


def _content_of(row: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in row.items() if k not in _NOT_CONTENT}, sort_keys=True, default=str)

"""The re-clean job: every raw WARC file of a site cleaned again with the current cleaner.

Reads the store only (no request reaches the site). A new version is published for an article
whose record differs from its latest published one in anything but provenance.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cleaning.identity import CanonicalClaims, own_url, separate
from cleaning.pipeline import BatchResult, build_article, extract_pages, observe
from corpus import layout
from corpus.lease import Lease, clean_lease
from corpus.manifest import Manifest
from corpus.manifest_catalog import save_catalog
from corpus.quarantine import Damage, readable_warc_keys
from corpus.schema import Article
from corpus.store import Store
from corpus.table import articles_to_table, live_files, publish, read_manifests
from corpus.version_index import Version
from crawlers.sites import SiteConfig
from defcorpus.batch_summary import build_summary, write_summary
from defcorpus.clean import clean_options, note_separated
from defcorpus.clean_report import CleanReport
from defcorpus.raw_pages import article_pages, file_pages
from defcorpus.repair import readable_files, repair_site
from defcorpus.site_state import group_duplicates, load_dedup, new_boilerplate, save_boilerplate
from defcorpus.versions import SiteVersions, open_versions

# Provenance and versions differ on every re-clean; a new version is published only when the rest differs.
_NOT_CONTENT = {"warc_file", "warc_record_id", "fetched_at", "cleaner_version", "site", "month"}


def reclean_site(store: Store, site: SiteConfig, *, on_page: Callable[[int, int], None] | None = None) -> CleanReport:
    """Re-clean every raw WARC file of ``site`` already in the store with the current cleaner.

    The site's boilerplate statistics and dedup shard are rebuilt from all its raw pages, in two
    streamed passes (learn, then clean) so memory holds one WARC file's pages, not the site's. The
    articles whose record is unchanged are counted as such. Holds the site's clean lease, like
    ``clean_site``.
    """
    with clean_lease(store, site.name) as lease:
        report = _reclean_all(store, site, on_page, lease)
        save_catalog(store, site.name)
        return report


def _reclean_all(
    store: Store, site: SiteConfig, on_page: Callable[[int, int], None] | None, lease: Lease
) -> CleanReport:
    report = CleanReport(site=site.name)
    report.damaged += repair_site(store, site.name)
    keys = readable_warc_keys(store, site.name)
    report.warc_files = len(keys)
    if not keys:
        return report
    options = clean_options(site)
    stats = new_boilerplate(site)
    learned = BatchResult()
    articles_seen = 0
    readable = []
    for key in keys:
        consumed, found = file_pages(store, site, key, learned.rejected, report.damaged)
        readable += [consumed] if consumed else []
        for item in extract_pages(iter(found), options, learned):
            observe(stats, item)
            articles_seen += 1
    keys = readable  # a damaged file's salvaged part in its place
    report.pages = articles_seen + sum(learned.rejected.values())
    result = BatchResult()
    # The latest version per (id, page URL): which ids several different pages share is known only
    # once the whole site is read (the re-clean's batch is the site), then each keeps its own URL
    # but the page the version index says holds the id (``separate_unheld``).
    latest_at: dict[tuple[str, str], Article] = {}
    claims = CanonicalClaims()
    pages = article_pages(store, site, keys, result.rejected)
    for done, item in enumerate(extract_pages(pages, options, result), 1):
        article = build_article(item, options, stats, result)
        if article is not None:
            claims.add(article)
            at = (item.id, own_url(article.url))
            if at not in latest_at or _supersedes(article, latest_at[at]):
                latest_at[at] = article
        if on_page:
            on_page(done, articles_seen)
    built, manifests = list(latest_at.values()), read_manifests(store, site.name)
    kept = separate_unheld(built, claims, open_versions(store, site.name, manifests, report.damaged))
    latest = _latest_per_article(note_separated(result, built, kept))
    lease.renew(if_due=True)  # a re-clean reads the whole site first: check the lease before it writes
    dedup = load_dedup(store, rebuild=site.name)
    articles = group_duplicates(store, site.name, sorted(latest.values(), key=lambda a: a.id), dedup)
    current = _latest_published(store, site.name, manifests, report.damaged)
    fresh = [a for a in articles if current.get(a.id) != _content_of(articles_to_table([a]).to_pylist()[0])]
    save_boilerplate(store, site.name, stats)
    report.batch_id = layout.new_run_id()
    if fresh:
        publish(store, site.name, fresh, report.batch_id, inputs=keys)
        write_summary(store, build_summary(site.name, report.batch_id, result, fresh, kind="reclean"))
    report.add_published(fresh)
    report.articles_unchanged = len(articles) - len(fresh)
    report.add(result)
    return report


def separate_unheld(articles: list[Article], claims: CanonicalClaims, published: SiteVersions) -> list[Article]:
    """The articles, those claiming a shared id under their own URLs, but for the pages that hold it.

    Why: the pages an earlier clean published a shared id from (``SiteVersions.published_from``)
    keep it when they are one article, as the incremental cleans kept it
    (``defcorpus.clean.apart_from_published``); moving them too would publish their text again under
    their own URLs while their rows under the id stay. Pages that collapsed into one id before the
    clean told them apart are all moved, as before.
    """
    shared = claims.shared()
    published.prefetch(shared)  # only the index partitions the shared ids fall in
    holders: dict[str, set[str]] = {}
    for a in articles:
        if a.id in shared and published.published_from(Version.of(a, own_url(a.url))):
            holders.setdefault(a.id, set()).add(own_url(a.url))
    held = {claimed for claimed, urls in holders.items() if claims.one_article(claimed, urls)}
    return [a if a.id in held and own_url(a.url) in holders[a.id] else separate(a, shared) for a in articles]


def _latest_per_article(articles: list[Article]) -> dict[str, Article]:
    """id -> the version of each article a clean would have published last (see ``_supersedes``)."""
    latest: dict[str, Article] = {}
    for article in articles:
        if article.id not in latest or _supersedes(article, latest[article.id]):
            latest[article.id] = article
    return latest


def _supersedes(article: Article, current: Article) -> bool:
    """A later (or as late) fetch with another text or other metadata: a new version, as a clean sees it.

    Why not every later fetch: a clean publishes a version once, from the first page that has it, and
    skips the same text and metadata fetched again, also through another link (a feed link with
    tracking parameters, then the sitemap link); the re-clean keeps that first page, so publishes
    nothing new. Text and metadata as ``corpus.version_index`` compares them.
    """
    new, old = Version.of(article), Version.of(current)
    other = (new.content_hash, new.fingerprint) != (old.content_hash, old.fingerprint)
    return other and new.fetched_us >= old.fetched_us


def _latest_published(store: Store, site: str, manifests: list[Manifest], damaged: list[Damage]) -> dict[str, str]:
    """id -> content of its most recently fetched published version (see ``_content_of``)."""
    latest: dict[str, tuple[Any, str]] = {}
    for _, table in readable_files(store, site, live_files(manifests), damaged):
        for row in table.to_pylist():
            if row["id"] not in latest or row["fetched_at"] >= latest[row["id"]][0]:
                latest[row["id"]] = (row["fetched_at"], _content_of(row))
    return {article_id: content for article_id, (_, content) in latest.items()}


def _content_of(row: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in row.items() if k not in _NOT_CONTENT}, sort_keys=True, default=str)

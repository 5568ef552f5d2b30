"""The versions of a site's articles already published (what a clean must not publish again): the
stored index (``corpus.version_index``), brought up to date with the table.

Why here and not in ``corpus.version_index``: keeping the index exact needs the jobs' view of the
table (the manifests, and setting aside a file that cannot be read, ``defcorpus.repair``). A clean
opens it once (``open_versions``): batches committed since the index was saved are folded in from
their own files, so the cost is that of the new batches, not of the site. The whole index is
rebuilt from the published table when it is missing or unreadable, and when the table changed in a
way a fold cannot follow: a repair of the site (rows set aside or adopted), a manifest the index
holds that is gone, or a batch not folded yet whose files a compaction merged away.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from cleaning.identity import own_url
from corpus import layout
from corpus.errors import KeyChangedError, KeyExistsError, StoreUnavailableError
from corpus.manifest import FileEntry, Manifest
from corpus.quarantine import Damage
from corpus.store import Store
from corpus.table import live_files, read_manifests
from corpus.version_index import (
    IndexDamagedError,
    Version,
    VersionIndex,
    settled_by,
    source_digest,
    table_versions,
)
from defcorpus.repair import readable_files

logger = logging.getLogger(__name__)


class SiteVersions:
    """The versions published for the site (``corpus.version_index``), and those this clean is about to publish.

    ``version in versions``: nothing new to publish (the same text with the same metadata, or a later
    fetch of that text, is published or pending).

    ``add`` holds a version as pending; ``committed`` enters the pending ones into the index once
    their batch's manifest exists, and ``save`` writes the index at the end of the clean. A clean
    that dies before ``save`` loses nothing: its committed batches are folded by the next clean.
    """

    def __init__(self, store: Store, site: str, manifests: list[Manifest], damaged: list[Damage]) -> None:
        self.store, self.site, self.damaged = store, site, damaged
        self.index = _up_to_date(store, site, manifests, damaged)
        self.pending: dict[tuple[str, str], Version] = {}

    def prefetch(self, article_ids: Iterable[str]) -> None:
        """Read the index partitions of ``article_ids`` (in parallel); a damaged one rebuilds the index."""
        try:
            self.index.load(article_ids)
        except IndexDamagedError as exc:
            logger.warning("%s; rebuilding it from the published table", exc)
            # Read again: the batches this clean committed are in the table now.
            self.index = _rebuild(self.store, self.site, read_manifests(self.store, self.site), self.damaged)
            self.index.load(article_ids)

    def __contains__(self, version: Version) -> bool:
        pending = self.pending.get(version.key)
        return settled_by(version, pending.published if pending else None) or version in self.index

    def held_by_another_page(self, version: Version) -> bool:
        """The article is published from page URLs, none of them ``version.source``, none with this text.

        Why: a CMS printing one article-looking URL as the canonical of several pages gives them one
        id; a page of a later clean must not become a new version of an article another page holds.
        The same page fetched again (an edit), or the same text at another URL (an alias), is a version.
        """
        if version.source is None:
            return False
        published = self._sources(version.article_id)
        if not published or source_digest(version.source) in published:
            return False
        return self.index.get(*version.key) is None and version.key not in self.pending

    def published_from(self, version: Version) -> bool:
        """A version of the article was published from ``version.source``: that page holds the id.

        Why: a re-clean sees every page claiming a shared canonical at once; the one an earlier clean
        published the id from keeps it, so the re-clean gives the ids the incremental cleans gave.
        """
        return version.source is not None and source_digest(version.source) in self._sources(version.article_id)

    def _sources(self, article_id: str) -> set[bytes]:
        """Digests of the page URLs the article was published from, or is about to be."""
        pending = {source_digest(v.source) for v in self.pending.values() if v.article_id == article_id and v.source}
        return self.index.sources(article_id) | pending

    def add(self, version: Version) -> None:
        current = self.pending.get(version.key)
        if version.published.replaces(current.published if current else None):
            self.pending[version.key] = version

    def committed(self, batch_id: str | None) -> None:
        """The batch holding the pending versions committed: they are published now."""
        self.index.add_all(self.pending[key] for key in sorted(self.pending))
        self.pending.clear()
        if batch_id is not None:
            self.index.folded.add(batch_id)

    def save(self) -> None:
        """Write the index; if another writer changed it meanwhile, drop it so the next clean rebuilds it."""
        try:
            self.index.save()
        except (KeyChangedError, KeyExistsError) as exc:
            logger.warning(
                "%s: its version index changed under this clean (%s); the next clean rebuilds it", self.site, exc
            )
            self.store.delete(layout.version_index_root_key(self.site))
        except StoreUnavailableError as exc:
            # Partitions go before the root: the root still names the batches it held, so the next
            # clean folds this clean's batches from their files, as after a clean killed here.
            logger.warning(
                "%s: its version index was not saved (%s); the next clean folds this one's batches", self.site, exc
            )

    def __len__(self) -> int:
        return len(self.index) + len(self.pending)


def open_versions(store: Store, site: str, manifests: list[Manifest], damaged: list[Damage]) -> SiteVersions:
    return SiteVersions(store, site, manifests, damaged)


def _up_to_date(store: Store, site: str, manifests: list[Manifest], damaged: list[Damage]) -> VersionIndex:
    """The stored index with every committed batch folded in; rebuilt if a fold cannot make it exact."""
    try:
        index = VersionIndex.open(store, site)
    except IndexDamagedError as exc:
        logger.info("%s; building it from the published table", exc)
        return _rebuild(store, site, manifests, damaged)
    unfolded = [m for m in manifests if m.batch_id not in index.folded]
    live = {f.key for f in live_files(manifests)}
    gone = index.folded - {m.batch_id for m in manifests}  # a manifest set aside, or deleted by hand
    if gone or any(_needs_rebuild(m, live) for m in unfolded):
        logger.info("%s: the published table was repaired since the version index was saved; rebuilding it", site)
        return _rebuild(store, site, manifests, damaged)
    try:
        for manifest in unfolded:
            if manifest.kind == "clean":
                _fold(index, store, site, manifest.files, damaged)
            index.folded.add(manifest.batch_id)
    except IndexDamagedError as exc:
        logger.warning("%s; rebuilding it from the published table", exc)
        return _rebuild(store, site, manifests, damaged)
    return index


def _needs_rebuild(manifest: Manifest, live: set[str]) -> bool:
    """A repair sets rows aside or lists them again; a clean batch compacted away has no files of its own left."""
    if manifest.kind == "repair":
        return True
    return manifest.kind == "clean" and any(f.key not in live for f in manifest.files)


def _fold(index: VersionIndex, store: Store, site: str, files: list[FileEntry], damaged: list[Damage]) -> None:
    for _, table in readable_files(store, site, files, damaged):
        index.add_all(table_versions(table, source=own_url))


def _rebuild(store: Store, site: str, manifests: list[Manifest], damaged: list[Damage]) -> VersionIndex:
    """A new index from every live file of the site (the one step that reads the whole table), saved.

    The root goes first, so a crash mid-way leaves no root: the next clean rebuilds again.
    """
    store.delete(layout.version_index_root_key(site))
    for key in store.list(layout.version_index_prefix(site)):
        store.delete(key)
    index = VersionIndex(store, site)
    _fold(index, store, site, live_files(manifests), damaged)
    index.folded.update(m.batch_id for m in manifests)
    index.save()
    return index

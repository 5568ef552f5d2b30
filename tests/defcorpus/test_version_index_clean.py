"""A clean's view of the published versions stays exact: folded after a crash, rebuilt after a repair."""

from __future__ import annotations

from pathlib import Path

import pytest

import corpus
from corpus import layout
from corpus.schema import Article
from corpus.store import Store, open_store
from corpus.table import live_files, read_file, read_manifests
from corpus.version_index import Version, VersionIndex, partition_of, table_versions
from crawlers.sites import SiteConfig, get_site
from defcorpus import clean
from defcorpus.reclean import reclean_site
from defcorpus.versions import SiteVersions, open_versions
from tests.corpus.test_manifest_catalog import CountingStore
from tests.defcorpus.test_clean_chunks import CHUNK, published_versions, write_backlog
from tests.support.old_schema import downgrade_version_index


@pytest.fixture
def cleaned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, SiteConfig]:
    monkeypatch.setattr(clean, "CLEAN_CHUNK_PAGES", CHUNK)
    store, site = open_store(str(tmp_path / "store")), get_site("minisite")
    write_backlog(store, site, tmp_path)
    clean.clean_site(store, site)
    return store, site


def every_version(store: Store, site: str) -> set[Version]:
    """Each published row as the index compares it (text, metadata, fetch)."""
    return {v for f in live_files(read_manifests(store, site)) for v in table_versions(read_file(store, f.key))}


def test_the_clean_saves_an_index_of_every_published_version(cleaned: tuple[Store, SiteConfig]) -> None:
    store, site = cleaned
    index = VersionIndex.open(store, site.name)
    assert index.folded == {m.batch_id for m in read_manifests(store, site.name)}
    assert all(v in index for v in every_version(store, site.name))


def test_a_clean_killed_after_its_commit_is_folded_by_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index is saved at the end of a clean: one that died before has committed batches it does not name.

    The next clean folds them, so the same pages fetched again are found unchanged, not published twice.
    """
    monkeypatch.setattr(clean, "CLEAN_CHUNK_PAGES", CHUNK)
    store, site = open_store(str(tmp_path / "store")), get_site("minisite")
    keys = write_backlog(store, site, tmp_path)
    held = {key: store.read(key) for key in keys[-2:]}
    for key in held:
        store.delete(key)
    clean.clean_site(store, site)  # the first files; the index is saved
    for key, data in held.items():
        store.write(key, data)
    with monkeypatch.context() as killed:
        killed.setattr(SiteVersions, "save", lambda self: None)
        second = clean.clean_site(store, site)  # committed, then "killed" before the index was saved
    assert second.articles_published > 0
    assert not set(second.batch_ids) & VersionIndex.open(store, site.name).folded
    for n, data in enumerate(held.values()):  # the same pages fetched again by a later crawl
        store.write(layout.raw_warc_key(site.name, layout.new_run_id(), n), data)
    third = clean.clean_site(store, site)
    assert third.articles_published == 0 and third.articles_unchanged == second.articles_published
    assert set(published_versions(store, site.name).values()) == {1}
    assert set(second.batch_ids) <= VersionIndex.open(store, site.name).folded


def test_a_batch_published_without_the_index_is_folded_from_its_own_files(
    cleaned: tuple[Store, SiteConfig],
) -> None:
    store, site = cleaned
    rows = corpus.open(store).articles(site=site.name).to_pylist()[:2]
    changed = [Article(**{k: v for k, v in row.items() if k != "month"} | {"content_hash": "0" * 64}) for row in rows]
    corpus.table.publish(store, site.name, changed, layout.new_run_id(), inputs=[])
    versions = open_versions(store, site.name, read_manifests(store, site.name), [])
    assert all(Version.of(a) in versions for a in changed)
    assert versions.index.reads <= len({partition_of(a.id) for a in changed})  # the fold read no old partition


def test_an_index_written_before_metadata_fingerprints_is_rebuilt_once_and_republishes_nothing(
    cleaned: tuple[Store, SiteConfig],
) -> None:
    """Format 1 held no metadata: the first clean after the upgrade rebuilds the index from the table
    (every published row's own fingerprint), so the same pages fetched again publish nothing."""
    store, site = cleaned
    published = len(every_version(store, site.name))
    downgrade_version_index(store, site.name)
    raw = [k for k in store.list(f"raw/site={site.name}/") if k.endswith(".warc.gz")]
    for n, key in enumerate(raw):  # the same pages fetched again by a later crawl
        store.write(layout.raw_warc_key(site.name, layout.new_run_id(), n), store.read(key))
    again = clean.clean_site(store, site)
    assert (again.articles_published, again.articles_unchanged) == (0, published)
    index = VersionIndex.open(store, site.name)  # format 2 now: it opens
    index.load(v.article_id for v in every_version(store, site.name))
    assert len(index) == published


def test_a_repair_rebuilds_the_index_from_the_table(cleaned: tuple[Store, SiteConfig]) -> None:
    """A data file set aside: its versions are no longer published, so a re-fetch may publish them again."""
    store, site = cleaned
    damaged_file = read_manifests(store, site.name)[0].files[0].key
    lost = set(zip(*(read_file(store, damaged_file)[c].to_pylist() for c in ("id", "content_hash")), strict=True))
    store.write(damaged_file, b"not parquet")
    report = reclean_site(store, site)  # reads every file: sets the damaged one aside (a repair manifest)
    assert [d.kind for d in report.damaged] == ["data"]
    versions = open_versions(store, site.name, read_manifests(store, site.name), [])
    remaining = every_version(store, site.name)  # the re-clean published the lost articles again
    assert lost and all(v in versions for v in remaining)
    assert versions.index.folded == {m.batch_id for m in read_manifests(store, site.name)}


def test_a_damaged_partition_rebuilds_the_index(cleaned: tuple[Store, SiteConfig]) -> None:
    store, site = cleaned
    published = every_version(store, site.name)
    for key in store.list(layout.version_index_prefix(site.name)):
        if key.endswith(".bin"):
            store.write(key, b"garbage")
    versions = open_versions(store, site.name, read_manifests(store, site.name), [])
    versions.prefetch(v.article_id for v in published)
    assert all(v in versions for v in published)
    assert VersionIndex.open(store, site.name).folded == {m.batch_id for m in read_manifests(store, site.name)}


def test_a_clean_of_new_pages_reads_only_the_manifests_published_since_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest catalog: the manifests of earlier batches are not read again, even after a killed clean."""
    monkeypatch.setattr(clean, "CLEAN_CHUNK_PAGES", CHUNK)
    store, site = CountingStore(tmp_path / "store"), get_site("minisite")
    keys = write_backlog(store, site, tmp_path)
    held = {key: store.read(key) for key in keys[-2:]}
    for key in held:
        store.delete(key)
    first = clean.clean_site(store, site)
    for key, data in list(held.items())[:1]:
        store.write(key, data)
    store.manifest_reads = 0
    with monkeypatch.context() as killed:
        killed.setattr(clean, "save_catalog", lambda store, site: None)  # killed before the catalog's save
        second = clean.clean_site(store, site)
    assert len(first.batch_ids) >= 2 and second.articles_published > 0
    assert store.manifest_reads == 0  # the repair's and the clean's reads: every earlier batch catalogued
    for key, data in list(held.items())[1:]:
        store.write(key, data)
    third = clean.clean_site(store, site)
    assert third.articles_published > 0
    # The killed clean's batches, read by the repair, the clean and the save (none catalogued them),
    # then the third clean's own, read once by the save.
    assert store.manifest_reads == 3 * len(second.batch_ids) + len(third.batch_ids)
    assert set(published_versions(store, site.name).values()) == {1}


def test_a_page_claiming_an_id_another_page_holds_is_told_from_an_edit_of_that_page(tmp_path: Path) -> None:
    """Across cleans: the id's own page changed is a version; another page with other text is not."""
    store = open_store(str(tmp_path / "store"))
    versions = SiteVersions(store, "site-a", [], [])
    held = Version("id-c", "text-a", b"f" * 8, 1_000, "http://site/c/first/")
    versions.add(held)
    versions.committed(None)
    edit = Version("id-c", "text-a2", b"f" * 8, 2_000, "http://site/c/first/")
    other = Version("id-c", "text-b", b"f" * 8, 2_000, "http://site/c/second/")
    alias = Version("id-c", "text-a", b"f" * 8, 2_000, "http://site/c/alias/")
    unsaid = Version("id-c", "text-b", b"f" * 8, 2_000)
    new = Version("id-new", "text-n", b"f" * 8, 2_000, "http://site/c/second/")
    assert [versions.held_by_another_page(v) for v in (edit, other, alias, unsaid, new)] == [
        False,
        True,
        False,
        False,
        False,
    ]


def test_the_pages_an_id_was_published_from_are_said_pending_or_committed(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    versions = SiteVersions(store, "site-a", [], [])
    versions.add(Version("id-c", "text-a", b"f" * 8, 1_000, "http://site/c/first/"))
    versions.committed(None)
    versions.add(Version("id-c", "text-a", b"f" * 8, 2_000, "http://site/c/alias/"))
    urls = ("http://site/c/first/", "http://site/c/alias/", "http://site/c/second/", None)
    asked = [Version("id-c", "text-b", b"f" * 8, 3_000, url) for url in urls]
    assert [versions.published_from(v) for v in asked] == [True, True, False, False]

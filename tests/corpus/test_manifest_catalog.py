"""The manifest catalog spares the GETs of the manifests it holds, and is never believed over the store."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from corpus import layout
from corpus.errors import DamagedFileError
from corpus.manifest import Manifest
from corpus.manifest_catalog import read_manifests, save_catalog
from corpus.store import LocalStore
from corpus.table import publish
from tests.support.articles import make_article


class CountingStore(LocalStore):
    """A local store that counts the manifests it serves one by one."""

    manifest_reads = 0

    def read(self, key: str) -> bytes:
        if key.startswith(layout.MANIFEST_PREFIX):
            self.manifest_reads += 1
        return super().read(key)


@pytest.fixture
def store(tmp_path: Path) -> CountingStore:
    store = CountingStore(tmp_path / "store")
    for n in range(4):
        for site in ("site-a", "site-b"):
            publish(store, site, [make_article(f"{site}-{n}", site=site)], layout.new_run_id(), inputs=[])
    return store


def batches(manifests: list[Manifest]) -> list[str]:
    return [m.batch_id for m in manifests]


def uncatalogued(store: CountingStore, site: str | None) -> list[Manifest]:
    """What reading every manifest gives: the truth the catalog must agree with."""
    catalogs = {k: store.read(k) for k in store.list(layout.MANIFEST_CATALOG_PREFIX)}
    for key in catalogs:
        store.delete(key)
    try:
        return read_manifests(store, site)
    finally:
        for key, data in catalogs.items():
            store.write(key, data)


def test_a_saved_catalog_spares_every_get_of_the_manifests_it_holds(store: CountingStore) -> None:
    expected = batches(uncatalogued(store, "site-a"))
    save_catalog(store, "site-a")
    store.manifest_reads = 0
    assert batches(read_manifests(store, "site-a")) == expected
    assert store.manifest_reads == 0  # site-b's manifests are known as site-b's: not read either
    publish(store, "site-a", [make_article("later", site="site-a")], layout.new_run_id(), inputs=[])
    publish(store, "site-b", [make_article("later-b", site="site-b")], layout.new_run_id(), inputs=[])
    assert len(read_manifests(store, "site-a")) == len(expected) + 1
    assert store.manifest_reads == 2  # the two published since the save, and only those


def test_every_site_read_through_all_catalogs(store: CountingStore) -> None:
    expected = batches(uncatalogued(store, None))
    save_catalog(store, "site-a")
    save_catalog(store, "site-b")
    store.manifest_reads = 0
    assert batches(read_manifests(store)) == expected
    assert store.manifest_reads == 0


def test_a_manifest_cut_after_the_save_is_found_damaged(store: CountingStore, caplog: pytest.LogCaptureFixture) -> None:
    save_catalog(store, "site-a")
    victim = read_manifests(store, "site-a")[0]
    key = layout.manifest_key(victim.batch_id)
    store.write(key, store.read(key)[:40])
    damaged: list[DamagedFileError] = []
    assert victim.batch_id not in batches(read_manifests(store, "site-a", damaged=damaged))
    assert [d.key for d in damaged] == [key]
    with caplog.at_level(logging.WARNING):
        assert victim.batch_id not in batches(read_manifests(store))  # readers of every site too
    assert key in caplog.text


def test_a_manifest_gone_is_gone_whatever_the_catalog_holds(store: CountingStore) -> None:
    save_catalog(store, "site-a")
    victim = read_manifests(store, "site-a")[-1]
    store.delete(layout.manifest_key(victim.batch_id))
    assert victim.batch_id not in batches(read_manifests(store, "site-a"))
    assert victim.batch_id not in batches(read_manifests(store))


def test_a_damaged_catalog_costs_requests_not_manifests(store: CountingStore) -> None:
    expected = batches(uncatalogued(store, "site-a"))
    save_catalog(store, "site-a")
    store.write(layout.manifest_catalog_key("site-a"), b"\x1f\x8b not gzip")
    store.manifest_reads = 0
    assert batches(read_manifests(store, "site-a")) == expected
    assert batches(read_manifests(store)) == batches(uncatalogued(store, None))
    assert store.manifest_reads > 0
    save_catalog(store, "site-a")  # rebuilt
    store.manifest_reads = 0
    assert batches(read_manifests(store, "site-a")) == expected and store.manifest_reads == 0


def test_a_manifest_read_through_the_catalog_is_the_one_stored(store: CountingStore) -> None:
    direct = uncatalogued(store, "site-a")
    save_catalog(store, "site-a")
    cached = read_manifests(store, "site-a")
    assert [m.to_json() for m in cached] == [m.to_json() for m in direct]
    assert cached == direct

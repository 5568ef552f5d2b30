"""A large backlog is cleaned in chunks of whole WARC files: bounded memory, nothing lost or duplicated."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import corpus
from corpus import layout, lease
from corpus.errors import LeaseLostError
from corpus.store import Store, open_store
from corpus.table import live_files, read_file, read_manifests
from crawlers.sites import SiteConfig, get_site
from defcorpus import clean
from tests.support.raw import write_backlog

CHUNK = 4  # smaller than two files: every chunk but the last holds two files


def published_versions(store: Store, site: str) -> Counter[tuple[str, str]]:
    versions: Counter[tuple[str, str]] = Counter()
    for file in live_files(read_manifests(store, site)):
        table = read_file(store, file.key)
        versions.update(zip(table["id"].to_pylist(), table["content_hash"].to_pylist(), strict=True))
    return versions


@pytest.fixture
def backlog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, SiteConfig, list[str]]:
    monkeypatch.setattr(clean, "CLEAN_CHUNK_PAGES", CHUNK)
    store, site = open_store(str(tmp_path / "store")), get_site("minisite")
    return store, site, write_backlog(store, site, tmp_path)


def test_backlog_is_published_in_chunks_each_file_consumed_once(backlog: tuple[Store, SiteConfig, list[str]]) -> None:
    store, site, keys = backlog
    progress: list[tuple[int, int]] = []
    report = clean.clean_site(store, site, on_page=lambda done, total: progress.append((done, total)))
    manifests = read_manifests(store, site.name)
    assert len(report.batch_ids) == len(manifests) > 1
    assert report.batch_id == report.batch_ids[-1]
    inputs = Counter(key for m in manifests for key in m.inputs)
    assert set(inputs) == set(keys) and set(inputs.values()) == {1}
    assert report.pages == sum(1 for _ in progress) == progress[-1][1]
    versions = published_versions(store, site.name)
    assert set(versions.values()) == {1} and report.articles_published == len(versions)
    assert len(corpus.open(store).articles(site=site.name)) == report.articles_published
    assert clean.clean_site(store, site).articles_published == 0  # nothing pending, nothing new


def test_crash_between_chunks_loses_and_duplicates_nothing(backlog: tuple[Store, SiteConfig, list[str]]) -> None:
    store, site, _ = backlog
    first = clean.clean_site(store, site)
    last = next(m for m in read_manifests(store, site.name) if m.batch_id == first.batch_id)
    # Died after the chunk's Parquet, before its manifest: its files are still staged, and no manifest.
    store.delete(layout.manifest_key(last.batch_id))
    for file in last.files:
        store.write(layout.staged_key(file.key), store.read(file.key))
        store.delete(file.key)
    assert set(clean.pending_warc_keys(store, site.name)) == set(last.inputs)
    again = clean.clean_site(store, site)
    assert again.articles_published == last.articles
    assert clean.pending_warc_keys(store, site.name) == []
    versions = published_versions(store, site.name)
    assert set(versions.values()) == {1} and len(versions) == first.articles_published


def test_discovery_only_files_are_consumed_without_reading_state(
    backlog: tuple[Store, SiteConfig, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, site, _ = backlog
    clean.clean_site(store, site)
    path = tmp_path / "rerun.warc.gz"
    with path.open("wb") as fh:  # a re-run of an unchanged site: sitemaps and feeds, no article page
        writer = WARCWriter(fh, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=UTF-8")], "HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                site.absolute("/feed/"), "response", payload=BytesIO(b"<rss/>"), length=6, http_headers=headers
            )
        )
    key = layout.raw_warc_key(site.name, layout.new_run_id(datetime(2023, 3, 1, tzinfo=UTC)), 0)
    store.upload_file(key, path)

    def fail(*args: object) -> None:
        raise AssertionError("learned state read for a file without article pages")

    monkeypatch.setattr(clean, "load_boilerplate", fail)
    report = clean.clean_site(store, site)
    assert report.articles_published == 0 and len(report.batch_ids) == 1
    assert clean.pending_warc_keys(store, site.name) == []


def test_a_clean_whose_lease_was_taken_over_stops_before_its_next_write(
    backlog: tuple[Store, SiteConfig, list[str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Another worker takes the lease over mid-clean (as after an expiry): this clean publishes
    nothing more, and the next clean publishes the rest, every version once."""
    store, site, keys = backlog
    # No TTL left from the start: every check before a write asks the store (as a clean would after 1 h).
    monkeypatch.setattr(clean, "clean_lease", lambda s, name: lease.clean_lease(s, name, ttl=timedelta(0)))
    key = layout.clean_lease_key(site.name)
    rival = json.dumps({"holder": "rival-worker", "acquired_at": "", "expires_at": "2999-01-01T00:00:00+00:00"})

    def take_over_after_the_first_batch(done: int, total: int) -> None:
        if read_manifests(store, site.name) and "rival" not in store.read(key).decode():
            _, tag = store.read_tagged(key)
            store.replace(key, rival.encode(), if_match=tag)

    with pytest.raises(LeaseLostError, match="taken over by rival-worker; stopped before publishing more"):
        clean.clean_site(store, site, on_page=take_over_after_the_first_batch)
    assert len(read_manifests(store, site.name)) == 1, "nothing published after the takeover"
    assert store.read(key) == rival.encode(), "the stopped clean left the rival's lease"

    store.delete(key)  # the rival is done
    clean.clean_site(store, site)
    inputs = Counter(k for m in read_manifests(store, site.name) for k in m.inputs)
    assert set(inputs) == set(keys) and set(inputs.values()) == {1}
    uninterrupted = open_store(str(tmp_path / "uninterrupted"))
    (tmp_path / "second").mkdir()
    write_backlog(uninterrupted, site, tmp_path / "second")
    clean.clean_site(uninterrupted, site)
    assert published_versions(store, site.name) == published_versions(uninterrupted, site.name)
    assert set(published_versions(store, site.name).values()) == {1}

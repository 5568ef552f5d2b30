"""Damaged store objects (both backends): a WARC file cut mid-record, a Parquet file cut short, a
compaction manifest deleted, a manifest cut to 40 bytes.

Each test damages a store the pipeline wrote, then checks what the user sees: the damaged object is
named once and set aside under ``quarantine/`` (never deleted), everything else keeps working, the
clean's exit code says something was damaged (65), the raw pages that were lost are fetched again by
the next crawl, and ``--reclean`` brings back what ``raw/`` still holds. None lost that the store
still holds, none duplicated.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

import corpus
from corpus import layout
from corpus.quarantine import Damage
from corpus.store import Store, open_store
from corpus.table import partition_counts, read_manifests
from corpus.warc import iter_responses
from corpus.warc_index import write_index
from crawlers.sites import SiteConfig, get_site
from crawlers.state import FetchRecord, load_state, write_segment
from defcorpus import clean
from defcorpus.clean import clean_site, pending_warc_keys
from defcorpus.cli import main
from defcorpus.cli_options import EX_DATAERR
from defcorpus.compaction import compact_site
from defcorpus.crawl_job import crawl_site
from defcorpus.reclean import reclean_site
from tests.support import minisite_facts as facts
from tests.support.crawling import NO_PACING
from tests.support.raw import RawPage, synthetic_pages, write_raw
from tests.support.snapshots import assert_layout, snapshot

pytestmark = pytest.mark.reliability

ARTICLES = 60
CRAWL_ID = "20240601T000000Z-feedbeef"


def crawled(store: Store, site: str, pages: list[RawPage], crawl_id: str = CRAWL_ID) -> list[str]:
    """``pages`` stored as the crawler stores them: WARC files of 10 responses, each with its index and
    its crawl-state segment."""
    keys = write_raw(store, site, pages, per_file=10, crawl_id=crawl_id)
    with tempfile.TemporaryDirectory() as tmp:
        for seq, key in enumerate(keys):
            path = Path(tmp) / "file.warc.gz"
            store.download_file(key, path)
            write_index(store, key, path)
            records = [
                FetchRecord(p.url, "2024-06-01T00:00:00Z", 200, hashlib.sha256(p.body).hexdigest(), key)
                for p in pages[seq * 10 : seq * 10 + 10]
            ]
            write_segment(store, site, crawl_id, seq, records)
    return keys


def cut(store: Store, key: str, keep: float = 0.5) -> None:
    data = store.read(key)
    store.write(key, data[: int(len(data) * keep)])


def cut_warc(store: Store, key: str, keep: float = 0.5) -> None:
    """Cut a WARC file inside the record that holds byte ``keep`` of it: halfway through that record,
    never on a boundary between two (a file cut there reads as a shorter, whole file)."""
    from warcio.archiveiterator import ArchiveIterator

    data = store.read(key)
    target = int(len(data) * keep)
    records = ArchiveIterator(io.BytesIO(data))
    for record in records:
        start = records.offset
        records.read_to_end(record)
        end = start + records.get_record_length()
        if end > target:
            store.write(key, data[: start + (end - start) // 2])
            return
    raise AssertionError("no record holds that byte")


def cli(store: Store, sites_file: Path, *args: str) -> Result:
    endpoint = getattr(store, "endpoint_url", None)
    options = ["--store", store.url, *(["--s3-endpoint-url", endpoint] if endpoint else [])]
    return CliRunner().invoke(main, [args[0], *options, *args[1:]])


def clean_cli(store: Store, sites_file: Path, *extra: str) -> Result:
    return cli(store, sites_file, "clean", "--sites-file", str(sites_file), *extra)


def parquet_keys(store: Store) -> list[str]:
    return [k for k in store.list("clean/site=") if k.endswith(".parquet")]


# --------------------------------------------------------------------------- a WARC file cut mid-record


def warned(caplog: pytest.LogCaptureFixture, key: str) -> int:
    """How many warnings named ``key`` (the CLI shows them on stderr, as ``WARNING …: damaged: <key>: …``)."""
    count = sum(key in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    caplog.clear()
    return count


def test_warc_cut_mid_record_is_set_aside_salvaged_and_its_lost_pages_count_as_not_fetched(
    any_store: Store, relsite: SiteConfig, sites_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pages = synthetic_pages(ARTICLES)[:ARTICLES]
    keys = crawled(any_store, relsite.name, pages)
    damaged = keys[2]
    cut_warc(any_store, damaged)

    result = clean_cli(any_store, sites_file)
    assert result.exit_code == EX_DATAERR, result.output  # before: 0, with no word of the lost pages
    assert warned(caplog, damaged) == 1  # named once
    assert "1 damaged store objects (1 warc)" in result.output

    salvaged = layout.salvaged_warc_key(damaged)
    whole = len(list(iter_responses(any_store, salvaged)))
    assert 0 < whole < 10
    # How many the damage cost comes from the crawl's index of the file (.cdx.parquet): the damaged
    # file itself can no longer say how many responses it held.
    assert f"{10 - whole} raw responses to fetch again" in result.output
    published = snapshot(any_store)
    assert published.rows == ARTICLES - (10 - whole) and published.duplicated == 0
    assert any_store.exists(damaged)  # raw/ is never deleted from
    assert any_store.exists(layout.quarantine_note_key(damaged))
    assert pending_warc_keys(any_store, relsite.name) == []  # the salvaged file was consumed in its place

    # The crawl's state: the lost pages count as not fetched (the next crawl asks for them), the
    # whole ones as fetched, from the salvaged file.
    state = load_state(any_store, relsite.name)
    in_damaged = {p.url for p in pages[20:30]}
    kept = {url for url in in_damaged if url in state.records}
    assert len(kept) == whole
    assert {state.records[url].warc_key for url in kept} == {salvaged}

    again = clean_cli(any_store, sites_file)
    assert again.exit_code == 0 and warned(caplog, damaged) == 0  # reported once
    recleaned = clean_cli(any_store, sites_file, "--reclean")
    assert recleaned.exit_code == 0, recleaned.output
    assert snapshot(any_store).rows == published.rows  # nothing new, nothing twice
    assert_layout(any_store.list(""))  # salvaged file and note: layout shapes, like every key


def test_reclean_recovers_what_the_whole_part_of_a_damaged_warc_holds(any_store: Store, relsite: SiteConfig) -> None:
    keys = crawled(any_store, relsite.name, synthetic_pages(ARTICLES)[:ARTICLES])
    cut_warc(any_store, keys[0], keep=0.7)
    report = reclean_site(any_store, relsite)
    assert [d.key for d in report.damaged] == [keys[0]]
    lost = 10 - len(list(iter_responses(any_store, layout.salvaged_warc_key(keys[0]))))
    assert 0 < lost < 10
    assert snapshot(any_store).rows == ARTICLES - lost
    assert reclean_site(any_store, relsite).damaged == []


def test_warc_damaged_from_its_first_byte_is_set_aside_whole(any_store: Store, relsite: SiteConfig) -> None:
    keys = crawled(any_store, relsite.name, synthetic_pages(ARTICLES)[:ARTICLES])
    any_store.write(keys[1], b"\x1f\x8b\x08\x00" + b"\x00" * 500)
    report = clean_site(any_store, relsite)
    assert [(d.key, d.kind) for d in report.damaged] == [(keys[1], "warc")]
    assert not any_store.exists(layout.salvaged_warc_key(keys[1]))
    assert snapshot(any_store).rows == ARTICLES - 10
    assert not {p.url for p in synthetic_pages(ARTICLES)[10:20]} & load_state(any_store, relsite.name).records.keys()


# --------------------------------------------------------------------------- a Parquet file cut short


def test_parquet_cut_short_is_skipped_by_readers_then_set_aside_and_recleaned(
    any_store: Store, relsite: SiteConfig, sites_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    crawled(any_store, relsite.name, synthetic_pages(ARTICLES)[:ARTICLES])
    clean_site(any_store, relsite)
    damaged = parquet_keys(any_store)[0]
    rows = pq.read_metadata(io.BytesIO(any_store.read(damaged))).num_rows
    cut(any_store, damaged)

    exported = cli(any_store, sites_file, "export", "--output", "-")
    assert exported.exit_code == EX_DATAERR  # before: a pyarrow traceback, nothing exported
    assert exported.stdout.count("\n") == ARTICLES - rows
    assert warned(caplog, damaged) == 1

    # The next clean with new pages reads none of the site's published files (what is published comes
    # from the site's version index): it publishes them and leaves the cut file to the jobs that read it.
    crawled(any_store, relsite.name, synthetic_pages(5, seed=3, slug="later")[:5], crawl_id="20240602T000000Z-feedbeef")
    result = clean_cli(any_store, sites_file)
    assert result.exit_code == 0, result.output
    assert snapshot(any_store).rows == ARTICLES - rows + 5
    assert warned(caplog, damaged) == 1  # the snapshot's reader, as export's: the clean did not meet it

    # The re-clean reads every file: the cut one is set aside, its articles published again.
    recleaned = clean_cli(any_store, sites_file, "--reclean")
    assert recleaned.exit_code == EX_DATAERR, recleaned.output  # before: a pyarrow traceback, every time
    assert warned(caplog, damaged) == 1
    assert any_store.exists(layout.quarantine_key(damaged)) and not any_store.exists(damaged)
    assert sum(r["rows"] for r in partition_counts(any_store)) == ARTICLES + 5  # stats tell the truth

    assert clean_cli(any_store, sites_file).exit_code == 0  # reported once
    assert cli(any_store, sites_file, "export", "--output", "-").exit_code == 0
    recovered = snapshot(any_store)
    assert len(recovered.ids) == ARTICLES + 5 and recovered.duplicated == 0


def test_a_compaction_sets_aside_a_file_it_cannot_read(
    any_store: Store, relsite: SiteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clean, "CLEAN_CHUNK_PAGES", 20)
    crawled(any_store, relsite.name, synthetic_pages(ARTICLES)[:ARTICLES])
    clean_site(any_store, relsite)
    damaged = parquet_keys(any_store)[0]
    cut(any_store, damaged)
    found: list[Damage] = []
    assert compact_site(any_store, relsite.name, damaged=found) is not None
    assert [(d.key, d.kind) for d in found] == [(damaged, "data")]
    assert any_store.list(layout.STAGING_PREFIX) == []
    assert corpus.open(any_store).skipped == []


# --------------------------------------------------------------------------- lost and damaged manifests


def test_deleted_compaction_manifest_never_costs_the_merged_rows(
    any_store: Store, relsite: SiteConfig, sites_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clean, "CLEAN_CHUNK_PAGES", 20)  # three batches: several files per month
    crawled(any_store, relsite.name, synthetic_pages(ARTICLES)[:ARTICLES])
    clean_site(any_store, relsite)
    compaction = compact_site(any_store, relsite.name)
    assert compaction is not None
    merged = [f.key for f in compaction.files]
    any_store.delete(layout.manifest_key(compaction.batch_id))

    exported = cli(any_store, sites_file, "export", "--output", "-")
    assert exported.exit_code == EX_DATAERR  # before: "no such key", nothing exported
    result = clean_cli(any_store, sites_file)
    assert result.exit_code == EX_DATAERR, result.output
    assert sorted(parquet_keys(any_store)) == sorted(merged)  # before: deleted, the only copies
    assert sum(r["rows"] for r in partition_counts(any_store)) == ARTICLES
    after = snapshot(any_store)
    assert after.rows == len(after.ids) == ARTICLES and after.duplicated == 0
    assert clean_cli(any_store, sites_file).exit_code == 0
    assert cli(any_store, sites_file, "export", "--output", "-").stdout.count("\n") == ARTICLES


@pytest.mark.parametrize("which", ["batch", "compaction"])
def test_manifest_cut_to_40_bytes_is_set_aside_and_its_files_adopted(
    any_store: Store,
    relsite: SiteConfig,
    sites_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    which: str,
) -> None:
    monkeypatch.setattr(clean, "CLEAN_CHUNK_PAGES", 20)
    crawled(any_store, relsite.name, synthetic_pages(ARTICLES)[:ARTICLES])
    clean_site(any_store, relsite)
    manifest = compact_site(any_store, relsite.name) if which == "compaction" else read_manifests(any_store)[0]
    assert manifest is not None
    key = layout.manifest_key(manifest.batch_id)
    cut(any_store, key, keep=40 / len(any_store.read(key)))

    exported = cli(any_store, sites_file, "export", "--output", "-")
    assert exported.exit_code == EX_DATAERR and warned(caplog, key) == 1  # before: a JSON traceback
    assert cli(any_store, sites_file, "stats").exit_code == 0

    result = clean_cli(any_store, sites_file)
    assert result.exit_code == EX_DATAERR, result.output
    assert any_store.exists(layout.quarantine_key(key)) and not any_store.exists(key)
    assert pending_warc_keys(any_store, relsite.name) == []
    after = snapshot(any_store)
    assert after.rows == len(after.ids) == ARTICLES and after.duplicated == 0
    assert clean_cli(any_store, sites_file).exit_code == 0
    assert cli(any_store, sites_file, "export", "--output", "-").exit_code == 0
    assert_layout(any_store.list(""))


def test_the_next_crawl_fetches_what_a_damaged_warc_lost(minisite: Any, tmp_path: Path) -> None:
    """Crawl, cut a WARC file holding articles, clean, crawl again, clean: every mini-site article is
    published exactly once (before: the lost ones never, as the crawl's state counted them as fetched)."""
    site = get_site("minisite").with_base_url(minisite.base_url)
    store = open_store(str(tmp_path / "store"))
    settings = {**NO_PACING, "DEFCORPUS_WARC_MAX_RECORDS": 4}
    crawl_site(store.url, site, settings=settings)
    by_file: dict[str, int] = {}
    for record in load_state(store, site.name).records.values():
        by_file[record.warc_key] = by_file.get(record.warc_key, 0) + 1
    damaged = max(sorted(by_file), key=lambda k: by_file[k])
    cut_warc(store, damaged, keep=0.6)
    report = clean_site(store, site)
    assert [d.key for d in report.damaged] == [damaged]
    lost = report.damaged[0].lost
    assert lost > 0
    again = crawl_site(store.url, site, settings=settings)
    assert again.summary.articles_new >= 1  # the lost pages, asked for again
    assert clean_site(store, site).damaged == []
    table = corpus.open(store).articles(latest=False)
    paths = sorted(url.split(minisite.base_url, 1)[1] for url in table["url"].to_pylist())
    assert paths == sorted(facts.article_paths())  # none lost, none twice

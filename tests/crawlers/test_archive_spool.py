"""A backfill's open WARC file, left in the spool by a kill, and what its rerun keeps of it.

The kill is simulated where it matters: the writer's files as a SIGKILL leaves them (handles closed,
nothing stored), with the record being written cut short, a journal line cut in half, a record torn
in the middle of the file (a power loss), or the file already stored before the kill.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from corpus import layout
from corpus.store import Store, open_store
from corpus.warc import iter_responses
from crawlers.archives.captures import Capture, Memento, format_timestamp
from crawlers.archives.spool import recover, spool_dir
from crawlers.archives.state import ArchiveState
from crawlers.archives.writer import BackfillWriter

SITE, ARCHIVE = "archived", "wayback"
START = datetime(2019, 3, 1, tzinfo=UTC)


def capture(n: int) -> Capture:
    stamp = format_timestamp(START + timedelta(hours=n))
    return Capture(f"test,archived)/news/story-{n}/", stamp, f"https://archived.test/news/story-{n}/")


def memento(n: int) -> Memento:
    html = f"<html><body><article><h1>Story {n}</h1><p>{'Text of the story. ' * 40}</p></article></body></html>"
    return Memento(
        url=capture(n).url,
        captured_at=capture(n).captured_at,
        status=200,
        headers=[("Content-Type", "text/html; charset=utf-8")],
        body=html.encode(),
        provenance={"WARC-Defcorpus-Archive": ARCHIVE},
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "store"))


def killed_writer(store: Store, spool: Path, fetched: int, skipped: int = 0) -> BackfillWriter:
    """A writer that settled ``fetched`` articles (then ``skipped`` bad captures) and was killed."""
    writer = BackfillWriter(store, SITE, ARCHIVE, layout.new_run_id(START), 200, spool)
    for n in range(fetched):
        writer.add(memento(n), capture(n))
    for n in range(fetched, fetched + skipped):
        writer.skip(capture(n), "soft_404")
    writer.close()  # what SIGKILL leaves: the bytes handed to the OS, nothing stored
    return writer


def spooled(spool: Path) -> tuple[Path, Path]:
    (warc,) = spool.glob("*.warc.gz")
    (journal,) = spool.glob("*.jsonl")
    return warc, journal


def stored_urls(store: Store) -> list[str]:
    keys = [k for k in store.list(layout.raw_site_prefix(SITE)) if k.endswith(layout.WARC_SUFFIX)]
    return [page.url for key in keys for page in iter_responses(store, key)]


def test_the_whole_records_of_a_killed_file_are_stored_and_settled(store: Store, tmp_path: Path) -> None:
    spool = spool_dir(store, SITE, ARCHIVE, str(tmp_path / "spool"))
    writer = killed_writer(store, spool, fetched=3, skipped=1)
    warc, _ = spooled(spool)
    record = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + b"x" * 5000)
    with warc.open("ab") as fh:  # the record being written at the kill, cut short, never journaled
        fh.write(record[: len(record) // 2])

    assert recover(store, SITE, ARCHIVE, spool).captures == 4
    assert stored_urls(store) == [capture(n).url for n in range(3)], "whole, readable, without the cut record"
    key = layout.raw_warc_key(SITE, writer.run_id, 0)
    assert store.exists(layout.warc_index_key(key))
    state = ArchiveState.load(store, SITE, ARCHIVE)
    assert all(state.has_article(capture(n).article) for n in range(3))
    assert state.skipped_before(capture(3).article, capture(3).timestamp)
    assert not list(spool.iterdir()), "the spool is emptied"
    assert recover(store, SITE, ARCHIVE, spool).captures == 0


def test_a_journal_line_cut_in_half_is_left_out(store: Store, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    killed_writer(store, spool, fetched=2)
    _, journal = spooled(spool)
    with journal.open("a") as fh:
        fh.write('{"article": "test,archived)/news/story-9/", "outc')
    assert recover(store, SITE, ARCHIVE, spool).captures == 2
    assert len(stored_urls(store)) == 2


def test_a_record_torn_inside_the_file_drops_it_and_the_records_after(store: Store, tmp_path: Path) -> None:
    """A power loss can lose a page of the file the journal already names: nothing unreadable is stored."""
    spool = tmp_path / "spool"
    killed_writer(store, spool, fetched=4, skipped=1)
    warc, journal = spooled(spool)
    second = [json.loads(line) for line in journal.read_text().splitlines()][2]
    data = bytearray(warc.read_bytes())
    middle = second["offset"] + second["length"] // 2
    data[middle : middle + 16] = bytes(16)
    warc.write_bytes(bytes(data))

    assert recover(store, SITE, ARCHIVE, spool).captures == 2, "the first record, and the skip"
    assert stored_urls(store) == [capture(0).url]
    state = ArchiveState.load(store, SITE, ARCHIVE)
    assert [state.has_article(capture(n).article) for n in range(4)] == [True, False, False, False]


def test_a_file_stored_before_the_kill_is_not_stored_again(store: Store, tmp_path: Path) -> None:
    """Killed after the upload, before the index and the spool's cleanup: the index is written, once."""
    spool = tmp_path / "spool"
    writer = killed_writer(store, spool, fetched=2)
    warc, _ = spooled(spool)
    key = layout.raw_warc_key(SITE, writer.run_id, 0)
    store.upload_file(key, warc)
    assert recover(store, SITE, ARCHIVE, spool).captures == 0
    assert store.exists(layout.warc_index_key(key))
    assert not list(spool.iterdir())
    assert len(stored_urls(store)) == 2


def test_a_file_with_nothing_settled_stores_nothing(store: Store, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    writer = BackfillWriter(store, SITE, ARCHIVE, layout.new_run_id(START), 200, spool)
    writer._open()
    writer.close()
    assert recover(store, SITE, ARCHIVE, spool).captures == 0
    assert not store.list("raw/") and not list(spool.iterdir())


def test_each_store_has_its_own_spool(tmp_path: Path) -> None:
    one, two = open_store(str(tmp_path / "one")), open_store(str(tmp_path / "two"))
    assert spool_dir(one, SITE, ARCHIVE) != spool_dir(two, SITE, ARCHIVE)
    assert spool_dir(one, SITE, ARCHIVE).parts[-2:] == (SITE, ARCHIVE)


def test_the_index_position_journaled_after_whole_records_is_the_cursor_to_save(store: Store, tmp_path: Path) -> None:
    """A cursor line follows the records of the index pages before it; one after a torn record is not used."""
    spool = tmp_path / "spool"
    writer = BackfillWriter(store, SITE, ARCHIVE, layout.new_run_id(START), 200, spool)
    assert not writer.note_cursor("w", {"query": 0, "resume_key": "a"}), "no file open: the caller saves it"
    for n, key in enumerate(["b", "c", "d"]):
        writer.add(memento(n), capture(n))
        writer.note_cursor("w", {"query": 0, "resume_key": key})
    writer.close()
    assert recover(store, SITE, ARCHIVE, spool).cursors == {"w": {"query": 0, "resume_key": "d"}}

    torn = tmp_path / "torn"
    writer = BackfillWriter(store, SITE, ARCHIVE, layout.new_run_id(START + timedelta(days=1)), 200, torn)
    for n, key in enumerate(["b", "c", "d"]):
        writer.add(memento(n), capture(n))
        writer.note_cursor("w", {"query": 0, "resume_key": key})
    writer.close()
    warc, journal = spooled(torn)
    second = [json.loads(line) for line in journal.read_text().splitlines()][3]  # header, record, cursor, record
    data = bytearray(warc.read_bytes())
    data[second["offset"] + 40 : second["offset"] + 56] = bytes(16)
    warc.write_bytes(bytes(data))
    recovered = recover(store, SITE, ARCHIVE, torn)
    assert (recovered.captures, recovered.cursors) == (1, {"w": {"query": 0, "resume_key": "b"}})

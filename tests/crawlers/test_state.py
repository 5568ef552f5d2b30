"""Crawl state in the store: only segments whose WARC file landed count; compaction keeps the merge."""

from __future__ import annotations

from pathlib import Path

from corpus import layout
from corpus.store import open_store
from crawlers.state import COMPACT_AFTER, FetchRecord, compact, load_state, write_rejections, write_segment

SITE = "example"


def record(url: str, seq: int, when: str = "2025-01-01T00:00:00Z", digest: str = "aa") -> FetchRecord:
    return FetchRecord(
        url=url,
        fetched_at=when,
        status=200,
        content_hash=digest,
        warc_key=layout.raw_warc_key(SITE, "20250101T000000Z-00000000", seq),
        etag='"e"',
    )


def test_segment_without_its_warc_file_is_ignored(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    crawl_id = "20250101T000000Z-00000000"
    write_segment(store, SITE, crawl_id, 0, [record("https://e.com/a", 0)])
    store.write(layout.raw_warc_key(SITE, crawl_id, 0), b"warc")
    write_segment(store, SITE, crawl_id, 1, [record("https://e.com/b", 1)])  # killed before its upload
    state = load_state(store, SITE)
    assert set(state.records) == {"https://e.com/a"}


def test_latest_record_wins(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    crawl_id = "20250101T000000Z-00000000"
    for seq in (0, 1):
        store.write(layout.raw_warc_key(SITE, crawl_id, seq), b"warc")
    write_segment(store, SITE, crawl_id, 1, [record("https://e.com/a", 1, "2025-02-01T00:00:00Z", "new")])
    write_segment(store, SITE, crawl_id, 0, [record("https://e.com/a", 0, "2025-01-01T00:00:00Z", "old")])
    assert load_state(store, SITE).records["https://e.com/a"].content_hash == "new"


def test_compaction_merges_then_deletes(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    crawl_id = "20250101T000000Z-00000000"
    for seq in range(COMPACT_AFTER):
        store.write(layout.raw_warc_key(SITE, crawl_id, seq), b"warc")
        write_segment(store, SITE, crawl_id, seq, [record(f"https://e.com/{seq}", seq)])
    state = load_state(store, SITE)
    assert compact(store, SITE, "20250102T000000Z-11111111", state)
    assert store.list(layout.crawl_state_prefix(SITE)) == [
        layout.crawl_state_snapshot_key(SITE, "20250102T000000Z-11111111")
    ]
    assert load_state(store, SITE).records == state.records


def test_a_record_of_a_whole_page_is_written_as_before_and_a_short_one_round_trips() -> None:
    whole = record("https://e.com/a", 0)
    assert "short_fetches" not in whole.to_line()
    assert FetchRecord.from_line(whole.to_line()) == whole
    short = FetchRecord(**{**whole.__dict__, "short_fetches": 2})
    assert FetchRecord.from_line(short.to_line()) == short


def test_a_confirmation_filed_with_a_later_file_points_at_the_file_holding_the_page(tmp_path: Path) -> None:
    """A short page fetched again and identical is not stored again: its record names the earlier file."""
    store = open_store(str(tmp_path))
    first, second = "20250101T000000Z-00000000", "20250102T000000Z-00000000"
    store.write(layout.raw_warc_key(SITE, first, 0), b"warc")
    write_segment(store, SITE, first, 0, [FetchRecord(**{**record("https://e.com/a", 0).__dict__, "short_fetches": 1})])
    confirmed = FetchRecord(**{**record("https://e.com/a", 0, "2025-01-02T00:00:00Z").__dict__, "short_fetches": 2})
    store.write(layout.raw_warc_key(SITE, second, 0), b"warc")
    write_segment(store, SITE, second, 0, [confirmed])
    assert load_state(store, SITE).records["https://e.com/a"] == confirmed


def test_the_cleans_rejections_are_merged_keeping_only_the_latest_fetches(tmp_path: Path) -> None:
    """Rejection files pile up one per clean; a crawl merges them, dropping pages fetched again since."""
    store = open_store(str(tmp_path))
    crawl_id = "20250101T000000Z-00000000"
    for seq in range(2):
        store.write(layout.raw_warc_key(SITE, crawl_id, seq), b"warc")
    write_segment(store, SITE, crawl_id, 0, [record("https://e.com/a", 0), record("https://e.com/b", 0)])
    write_segment(store, SITE, crawl_id, 1, [record("https://e.com/b", 1, "2025-02-01T00:00:00Z", "new")])
    rejected = [("https://e.com/a", record("https://e.com/a", 0).warc_key)]
    rejected.append(("https://e.com/b", record("https://e.com/b", 0).warc_key))  # fetched again since
    for n in range(COMPACT_AFTER):
        write_rejections(store, SITE, f"20250103T000000Z-{n:08x}", rejected)
    state = load_state(store, SITE)
    assert state.was_rejected(state.records["https://e.com/a"])
    assert not state.was_rejected(state.records["https://e.com/b"])
    compact(store, SITE, "20250104T000000Z-11111111", state)
    assert store.list(layout.rejected_state_prefix(SITE)) == [
        layout.rejected_state_snapshot_key(SITE, "20250104T000000Z-11111111")
    ]
    assert load_state(store, SITE).rejected == {rejected[0]}

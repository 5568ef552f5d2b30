"""Incremental crawl state: what was fetched, kept in the store next to the WARC files it indexes.

Each WARC file gets a state segment (``state/<site>/fetched/<crawl_id>-<seq>.jsonl``) listing the
articles it holds: URL, fetch time, ETag, Last-Modified and content hash. The segment is written
*before* its WARC file is uploaded, and a segment counts only if its WARC file exists in ``raw/`` (and
has not been set aside as damaged, ``corpus.quarantine``).
So a crawl killed at any point leaves a state that matches ``raw/`` exactly: a page is either in a
WARC file and in the state, or in neither and fetched again next time. Nothing depends on a worker's
local disk. When segments pile up, the next crawl merges them into one snapshot, then deletes them.

A page that looked short (``short_fetches``: a placeholder, see ``crawlers.middlewares.guards``) is
asked for again on the next runs; an answer identical to it is not stored again, so its record is
filed alone (``fetch_confirmed``), pointing at the WARC file that already holds the page, to count
the try.

A page the clean rejected (``empty_body``, ``no_headline``, ...: a placeholder the guard could not
tell by its length) is asked for again the same way: the clean files the page's URL and WARC file
(``write_rejections``, ``state/<site>/rejected/``), and a record whose latest fetch is one of those
is retried on the next runs (``rejected_retries`` counts them, capped like the short pages).
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from corpus import layout
from corpus.errors import KeyNotFoundError
from corpus.quarantine import readable_warc_keys
from corpus.store import Store

logger = logging.getLogger(__name__)

COMPACT_AFTER = 20  # merge into a snapshot once this many state objects exist

# Signal sent with ``record`` (a FetchRecord) for an article fetched again and found as stored before,
# whose record must still be filed: the WARC writer adds it to the segment of the file it has open.
fetch_confirmed = object()


@dataclass(frozen=True)
class FetchRecord:
    url: str
    fetched_at: str  # ISO 8601, UTC
    status: int
    content_hash: str  # sha256 of the response body, hex
    warc_key: str
    etag: str | None = None
    last_modified: str | None = None  # the server's header, verbatim
    short_fetches: int = 0  # fetches in a row that looked short (a placeholder); 0: the page looked whole
    rejected_retries: int = 0  # later runs that asked again because the clean rejected the page fetched

    def to_line(self) -> str:
        fields = asdict(self)
        for name in ("short_fetches", "rejected_retries"):
            if not fields[name]:
                del fields[name]  # records of whole pages stay as they were
        return json.dumps(fields, sort_keys=True)

    @classmethod
    def from_line(cls, line: str) -> FetchRecord:
        return cls(**json.loads(line))

    @property
    def has_validators(self) -> bool:
        return bool(self.etag or self.last_modified)


def write_segment(store: Store, site: str, crawl_id: str, seq: int, records: list[FetchRecord]) -> str:
    key = layout.crawl_state_segment_key(site, crawl_id, seq)
    store.write(key, "".join(r.to_line() + "\n" for r in records).encode())
    return key


@dataclass
class CrawlState:
    """The merged state of a site: the latest record per URL, from segments whose WARC file exists."""

    records: dict[str, FetchRecord]
    objects: list[str]  # the state keys it was read from
    rejected: set[tuple[str, str]] = field(default_factory=set)  # (URL, WARC key) of fetches a clean rejected
    rejected_objects: list[str] = field(default_factory=list)

    def get(self, url: str) -> FetchRecord | None:
        return self.records.get(url)

    def was_rejected(self, record: FetchRecord) -> bool:
        """The clean rejected the page this record's fetch stored."""
        return (record.url, record.warc_key) in self.rejected

    def add(self, record: FetchRecord) -> None:
        old = self.records.get(record.url)
        if old is None or old.fetched_at <= record.fetched_at:
            self.records[record.url] = record


def load_state(store: Store, site: str) -> CrawlState:
    # A WARC file set aside as damaged counts as missing: its pages are fetched again (those it still
    # held whole were copied to a salvaged file, with a segment of their own).
    warc_keys = set(readable_warc_keys(store, site))
    objects = store.list(layout.crawl_state_prefix(site))
    state = CrawlState({}, objects)
    orphans = 0
    for key in objects:
        for record in _read_records(store, key):
            if record.warc_key in warc_keys:
                state.add(record)
            else:
                orphans += 1  # its WARC file never made it to raw/: the page is fetched again
    if orphans:
        logger.info("%s: %d state records without a WARC file ignored", site, orphans)
    state.rejected_objects = store.list(layout.rejected_state_prefix(site))
    for key in state.rejected_objects:
        state.rejected.update((item["url"], item["warc_key"]) for item in _read_lines(store, key))
    return state


def write_rejections(store: Store, site: str, batch_id: str, rejected: list[tuple[str, str]]) -> str | None:
    """File the (URL, WARC key) of each fetched page a clean's batch rejected, for the next crawl."""
    if not rejected:
        return None
    key = layout.rejected_state_key(site, batch_id)
    lines = [json.dumps({"url": url, "warc_key": warc}, sort_keys=True) for url, warc in sorted(set(rejected))]
    store.write(key, "".join(line + "\n" for line in lines).encode())
    return key


def compact(store: Store, site: str, crawl_id: str, state: CrawlState) -> bool:
    """Merge many state objects into one snapshot (written first), then delete what it replaces."""
    _compact_rejected(store, site, crawl_id, state)
    if len(state.objects) < COMPACT_AFTER:
        return False
    lines = "".join(r.to_line() + "\n" for r in sorted(state.records.values(), key=lambda r: r.url))
    state.objects = _replace(store, layout.crawl_state_snapshot_key(site, crawl_id), lines, state.objects)
    return True


def _compact_rejected(store: Store, site: str, crawl_id: str, state: CrawlState) -> None:
    """Merge the clean's rejection files into one, keeping the fetches that are still the latest."""
    if len(state.rejected_objects) < COMPACT_AFTER:
        return
    live = sorted(at for at in state.rejected if (r := state.records.get(at[0])) is not None and r.warc_key == at[1])
    lines = "".join(json.dumps({"url": url, "warc_key": warc}, sort_keys=True) + "\n" for url, warc in live)
    snapshot = layout.rejected_state_snapshot_key(site, crawl_id)
    state.rejected_objects = _replace(store, snapshot, lines, state.rejected_objects)


def _replace(store: Store, snapshot: str, lines: str, objects: list[str]) -> list[str]:
    """Write the snapshot first, then delete the objects it replaces: a kill between loses nothing."""
    store.write(snapshot, gzip.compress(lines.encode(), mtime=0))
    for key in objects:
        if key != snapshot:
            store.delete(key)
    return [snapshot]


def _read_records(store: Store, key: str) -> list[FetchRecord]:
    return [FetchRecord(**fields) for fields in _read_lines(store, key)]


def _read_lines(store: Store, key: str) -> list[dict[str, Any]]:
    try:
        data = store.read(key)
    except KeyNotFoundError:
        return []  # deleted by a concurrent compaction
    if key.endswith(".gz"):
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode().splitlines() if line.strip()]

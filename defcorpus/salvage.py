"""A damaged WARC file: keep what it still holds whole, set it aside, and let the crawl fetch the rest.

The whole records before the damage are a WARC file of their own (each record is its own gzip
member), so they are copied byte for byte to ``<name>-salvaged.warc.gz`` beside the damaged file,
with their index and a crawl-state segment listing their pages; then the damaged file gets its
quarantine note. From then on:

- the clean and the re-clean read the salvaged file, never the damaged one (``--reclean`` recovers
  what the readable part holds);
- the crawl's state ignores the damaged file's records (``crawlers.state``), so its pages count as
  not fetched, except those the salvaged file's segment lists: the next crawl fetches the lost ones.

Order, for a crash at any point: segment, salvaged file, index, note. A rerun that meets the
damaged file again finds the salvaged file already stored (the same bytes) and goes on.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus import layout
from corpus.errors import DamagedWarcError, KeyExistsError, KeyNotFoundError
from corpus.pages import FetchedPage
from corpus.quarantine import Damage, set_aside
from corpus.store import Store
from corpus.tempdirs import private_tempdir
from corpus.warc_index import index_warc, write_index
from crawlers.state import load_state

logger = logging.getLogger(__name__)


def salvage(store: Store, site: str, damaged: DamagedWarcError) -> tuple[str | None, Damage]:
    """Store the whole part of ``damaged.key`` and set the file aside; the salvaged key (None if nothing
    was whole) and the report."""
    key = damaged.key
    salvaged = layout.salvaged_warc_key(key) if damaged.intact > 0 else None
    responses = 0
    if salvaged is not None:
        responses = _store_whole_part(store, site, key, salvaged, damaged.intact)
    total = _responses_in(store, key)
    lost = max(total - responses, 0) if total is not None else 0
    after = f"the {lost} responses after the damage" if total is not None else "the responses after the damage"
    if salvaged is None:
        action = "set aside (nothing in it is whole); its pages are fetched again by the next crawl"
    else:
        action = (
            f"set aside; its {responses} whole responses are in {salvaged}, {after} are fetched again by the next crawl"
        )
    report = Damage(key, "warc", damaged.detail, action, lost=lost)
    set_aside(store, key, report, move=False)  # raw/ is immutable: the note alone sets it aside
    return salvaged, report


def read_salvaging(
    store: Store, site: str, key: str, pages_of: Callable[[str], Iterable[FetchedPage]], damaged: list[Damage]
) -> tuple[str | None, list[FetchedPage]]:
    """``pages_of(key)`` as a list, and the key a manifest records as consumed.

    A damaged file is salvaged and set aside: its pages come as records of the salvaged file (their
    provenance), which is consumed in its place; None if nothing in it was whole.
    """
    pages: list[FetchedPage] = []
    try:
        for page in pages_of(key):
            pages.append(page)
    except DamagedWarcError as exc:
        salvaged, report = salvage(store, site, exc)
        damaged.append(report)
        return salvaged, [replace(page, warc_file=salvaged) for page in pages] if salvaged else []
    return key, pages


def _store_whole_part(store: Store, site: str, key: str, salvaged: str, intact: int) -> int:
    """Copy the first ``intact`` bytes of ``key`` to ``salvaged`` with its state segment and index;
    returns how many responses it holds."""
    with private_tempdir("defcorpus-read-") as tmp:
        path = Path(tmp) / "salvaged.warc.gz"
        store.download_file(key, path)
        os.truncate(path, intact)
        index = index_warc(path)
        urls = set(index["url"].to_pylist())
        state = load_state(store, site)
        records = [
            replace(record, warc_key=salvaged)
            for record in state.records.values()
            if record.warc_key == key and record.url in urls
        ]
        if records:  # first, like the crawler: a segment counts only once its WARC file exists
            segment = "".join(r.to_line() + "\n" for r in sorted(records, key=lambda r: r.url))
            store.write(layout.salvaged_state_key(site, salvaged), segment.encode())
        try:
            store.upload_file(salvaged, path, if_absent=True)
        except KeyExistsError:
            logger.info("%s is already stored (an earlier attempt)", salvaged)
        write_index(store, salvaged, path)
    return index.num_rows


def _responses_in(store: Store, key: str) -> int | None:
    """How many responses the damaged file held, from the index the crawl wrote beside it (None if none).

    Why the index: it was written from the records as the crawl wrote them, so it still counts the
    responses the damage made unreadable.
    """
    try:
        return int(pq.read_metadata(io.BytesIO(store.read(layout.warc_index_key(key)))).num_rows)
    except (KeyNotFoundError, pa.ArrowException, OSError):  # no index, or a damaged one: only for the report
        return None

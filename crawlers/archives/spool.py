"""The open WARC file of a backfill, kept where a killed backfill's rerun finds it and keeps its whole records.

A backfill stores a WARC file every ``DEFCORPUS_ARCHIVE_WARC_RECORDS`` captures. Until then the file
is open on local disk, in a spool directory named after the store, the site and the archive
(``DEFCORPUS_ARCHIVE_SPOOL``, by default ``<tmp>/defcorpus-backfill-spool-<uid>``), beside its journal:
one JSON line per settled capture, appended once its record is written (with the record's offset,
length and id), so the journal never names a record that is not all in the file.

A rerun (under the site's crawl lease, so no live backfill writes there) first recovers what a
stopped backfill left in the spool: each journaled record is checked whole with warcio (its gzip
member ends where the journal says, it parses, its id and digests match), the file is cut after
the last whole one, and it is stored as the backfill would have stored it (settled segment, file,
index) under the key it was meant to have. A backfill killed with SIGKILL or by the OOM killer then
fetches again only the capture it was fetching. Why not smaller files: a backfill of years would
leave thousands of tiny objects (and their indexes and segments) for the clean to list and read.

The journal also says how far the index was read: before the backfill asks for the next index page
with a file open, a ``cursor`` line (window and position) follows the records of the pages before it. The
rerun saves the last cursor that follows only whole records as the window's cursor once the file is
stored, so it reads again only the index page that was in flight (``Recovered.cursors``).

A rerun on another machine (a lost worker, a pod's own disk) finds no spool: the open file's
captures are fetched again, as before, and nothing is stored twice either way. A spool file whose
key is already in the store (killed after storing it) is removed, its index written if it is missing.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from corpus import layout
from corpus.errors import KeyExistsError
from corpus.store import Store
from corpus.warc_index import write_index

logger = logging.getLogger(__name__)

JOURNAL_SUFFIX = ".jsonl"
SEGMENT_FIELDS = ("article", "timestamp", "outcome", "url", "warc_key")  # what a settled segment keeps


def spool_dir(store: Store, site: str, archive: str, root: str = "") -> Path:
    """Where ``site``'s backfills from ``archive`` into ``store`` keep their open file: one per store."""
    base = Path(root) if root else Path(tempfile.gettempdir()) / f"defcorpus-backfill-spool-{os.getuid()}"
    store_id = hashlib.blake2b(store.url.encode(), digest_size=8).hexdigest()
    return base / store_id / site / archive


def settled_segment(entries: list[dict[str, Any]]) -> bytes:
    """The settled segment of a WARC file (``crawlers.archives.state``) from its journal entries."""
    lines = (json.dumps({k: e[k] for k in SEGMENT_FIELDS}, sort_keys=True) + "\n" for e in entries)
    return "".join(lines).encode()


def store_file(store: Store, site: str, archive: str, key: str, path: Path, entries: list[dict[str, Any]]) -> None:
    """Segment first, then the file (create-only), then its index: a segment counts only once its file exists."""
    store.write(layout.archive_settled_key(site, archive, key), settled_segment(entries))
    try:
        store.upload_file(key, path, if_absent=True)
    except KeyExistsError:
        logger.info("%s is already stored (an earlier attempt)", key)
    write_index(store, key, path)


@dataclass
class Recovered:
    """What a rerun kept of a stopped backfill's open files."""

    captures: int = 0  # captures settled in them, now stored
    cursors: dict[str, dict[str, Any]] = field(default_factory=dict)  # window -> index position read up to


def recover(store: Store, site: str, archive: str, directory: Path) -> Recovered:
    """Store the whole records of the open files a stopped backfill left; the captures they settle and
    the index positions their journals reached (to save as the windows' cursors: they are stored now)."""
    recovered = Recovered()
    if not directory.is_dir():
        return recovered
    for journal in sorted(directory.glob(f"*{JOURNAL_SUFFIX}")):
        warc = journal.with_name(journal.name.removesuffix(JOURNAL_SUFFIX) + layout.WARC_SUFFIX)
        captures, cursors = _recover_file(store, site, archive, warc, journal)
        recovered.captures += captures
        recovered.cursors.update(cursors)
        warc.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)
    return recovered


def _recover_file(
    store: Store, site: str, archive: str, warc: Path, journal: Path
) -> tuple[int, dict[str, dict[str, Any]]]:
    header, lines = _read_journal(journal)
    key = header.get("warc_key")
    if not key or not warc.exists():
        return 0, {}
    if store.exists(key):  # stopped after storing it: its segment is there too, and every journaled record
        if not store.exists(layout.warc_index_key(key)):
            write_index(store, key, warc)
        return 0, {line["window"]: line["cursor"] for line in lines if "cursor" in line}
    end, torn, kept = int(header["records_from"]), False, []
    cursors: dict[str, dict[str, Any]] = {}
    with warc.open("rb") as fh:
        for entry in lines:
            if "cursor" in entry:
                if not torn:  # a cursor past a lost record would skip it: only one after whole records
                    cursors[entry["window"]] = entry["cursor"]
            elif entry["outcome"] != "fetched":
                kept.append(entry)  # a skip holds no bytes of the file
            elif not torn and end == entry["offset"] and _whole_record(fh, entry):
                kept.append(entry)
                end = entry["offset"] + entry["length"]
            else:
                torn = True  # a record not all on disk (a power loss): it and the records after are fetched again
    if not kept:
        return 0, {}
    os.truncate(warc, end)  # what follows the last whole record is the record being written when stopped
    store_file(store, site, archive, key, warc, kept)
    logger.info("kept %d captures of %s from a backfill that was stopped", len(kept), key)
    return len(kept), cursors


def _read_journal(journal: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and the entries; a line cut by the stop (the last one) is left out."""
    lines = []
    for line in journal.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return (lines[0], lines[1:]) if lines else ({}, [])


def _whole_record(fh: io.BufferedReader, entry: dict[str, Any]) -> bool:
    """The journaled record is in the file whole: one complete gzip member, the record it names."""
    fh.seek(entry["offset"])
    member = fh.read(entry["length"])
    if len(member) != entry["length"]:
        return False
    inflate = zlib.decompressobj(zlib.MAX_WBITS + 16)
    try:
        inflate.decompress(member)
    except zlib.error:
        return False
    if not inflate.eof or inflate.unused_data:
        return False
    try:
        records = ArchiveIterator(io.BytesIO(member), check_digests=True)
        record = next(iter(records))
        records.read_to_end(record)
    # As corpus.warc reads a damaged file: what warcio raises on a record it cannot parse.
    except (ArchiveLoadFailed, StatusAndHeadersParserException, StopIteration, ValueError, EOFError, AttributeError):
        return False
    return bool(
        record.rec_headers.get_header("WARC-Record-ID") == entry["record_id"]
        and record.digest_checker.passed is not False
    )

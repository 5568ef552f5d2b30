"""Archived captures as WARC files in the store's ``raw/``, as a crawl's responses are.

Each capture becomes one ``response`` record whose WARC-Date is the capture time (so cleaning reads
it as ``fetched_at`` and refuses a page date after it) and whose ``WARC-Defcorpus-*`` headers say
where it came from: the archive, the capture time, the memento URL or the Common Crawl file, offset
and length. Bodies are stored decoded, as the crawl's writer stores Scrapy's, so
``Content-Encoding`` and ``Transfer-Encoding`` are dropped and ``Content-Length`` is the payload's.

A file is written locally, in the spool (``crawlers.archives.spool``) with a journal of what it
settled, and uploaded whole (create-only) every ``warc_records`` settled captures and when the
backfill ends or is interrupted; its settled segment (``crawlers.archives.state``) is written first,
its Parquet index (``corpus.warc_index``) after. A file a kill left in the spool is stored by the
rerun (``spool.recover``).

Why not the crawl's writer extension: it is a Scrapy extension fed by Scrapy's signals, dating each
record at the moment of the fetch; here there is no Scrapy engine, and the date is the capture's.
"""

from __future__ import annotations

import json
from datetime import UTC
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpus import layout
from corpus.store import Store
from corpus.version import VERSION
from crawlers.archives import spool
from crawlers.archives.captures import Capture, Memento

SOFTWARE = f"defcorpus/{VERSION} (archive backfill; warcio)"


class BackfillWriter:
    def __init__(self, store: Store, site: str, archive: str, run_id: str, max_records: int, spool_dir: Path) -> None:
        self.store, self.site, self.archive, self.run_id = store, site, archive, run_id
        self.max_records = max_records
        self.keys: list[str] = []
        self.spool_dir = spool_dir
        self._fh: BinaryIO | None = None
        self._journal: TextIO | None = None
        self._warc: WARCWriter | None = None
        self._entries: list[dict[str, Any]] = []

    @property
    def _key(self) -> str:
        return layout.raw_warc_key(self.site, self.run_id, len(self.keys))

    def _open(self) -> WARCWriter:
        if self._warc is None:
            self.spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # pages fetched: the user's own
            name = self._key.rsplit("/", 1)[-1].removesuffix(layout.WARC_SUFFIX)
            self._fh = (self.spool_dir / f"{name}{layout.WARC_SUFFIX}").open("wb")
            self._warc = WARCWriter(self._fh, gzip=True, warc_version="1.1")
            info = {"software": SOFTWARE, "format": "WARC File Format 1.1", "isPartOf": f"{self.site}/{self.run_id}"}
            self._warc.write_record(self._warc.create_warcinfo_record(self._key.rsplit("/", 1)[-1], info))
            self._fh.flush()
            self._journal = (self.spool_dir / f"{name}{spool.JOURNAL_SUFFIX}").open("w", encoding="utf-8")
            self._note({"warc_key": self._key, "records_from": self._fh.tell()})
        return self._warc

    def _note(self, line: dict[str, Any]) -> None:
        """One journal line, handed to the OS at once: a SIGKILL after it keeps it (``spool.recover``)."""
        assert self._journal is not None
        self._journal.write(json.dumps(line, sort_keys=True) + "\n")
        self._journal.flush()

    def add(self, memento: Memento, capture: Capture) -> None:
        warc = self._open()
        headers = [(k, v) for k, v in memento.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(memento.body))))
        phrase = HTTPStatus(memento.status).phrase if memento.status in HTTPStatus._value2member_map_ else ""
        record = warc.create_warc_record(
            memento.url,
            "response",
            payload=BytesIO(memento.body),
            length=len(memento.body),
            http_headers=StatusAndHeaders(f"{memento.status} {phrase}".strip(), headers, protocol="HTTP/1.1"),
            warc_headers_dict={
                "WARC-Date": memento.captured_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                **memento.provenance,
            },
        )
        assert self._fh is not None
        offset = self._fh.tell()
        warc.write_record(record)
        self._fh.flush()  # the record is in the file before the journal names it
        entry = self._entry(capture, "fetched", memento.url)
        entry.update(offset=offset, length=self._fh.tell() - offset, record_id=record.rec_headers["WARC-Record-ID"])
        self._settled(entry)

    def skip(self, capture: Capture, reason: str) -> None:
        self._open()  # a segment is kept with a file: one holding only skips is a warcinfo record
        self._settled(self._entry(capture, reason, capture.url))

    def _settled(self, entry: dict[str, Any]) -> None:
        self._note(entry)
        self._entries.append(entry)

    def _entry(self, capture: Capture, outcome: str, url: str) -> dict[str, Any]:
        return {
            "article": capture.article,
            "timestamp": capture.timestamp,
            "outcome": outcome,
            "url": url,
            "warc_key": self._key,
        }

    def full(self) -> bool:
        return len(self._entries) >= self.max_records

    def note_cursor(self, window: str, position: dict[str, Any]) -> bool:
        """Journal that the index is read up to ``position`` (every capture before it settled); False if no
        file is open (nothing settled waits to be stored: the caller saves the cursor in the store itself).

        Why in the journal: the cursor in the store may pass only captures that are in the store, and
        the open file's are not yet; the rerun that stores them (``spool.recover``) saves this cursor.
        """
        if self._journal is None:
            return False
        self._note({"cursor": position, "window": window})
        return True

    def flush(self) -> str | None:
        """Store the open file (segment first, then the file, then its index); its key, or None."""
        if self._fh is None or self._journal is None:
            return None
        self._fh.close()
        self._journal.close()
        path, journal, key = Path(self._fh.name), Path(self._journal.name), self._key
        spool.store_file(self.store, self.site, self.archive, key, path, self._entries)
        path.unlink()
        journal.unlink()
        self.keys.append(key)
        self._fh, self._journal, self._warc, self._entries = None, None, None, []
        return key

    def close(self) -> None:
        """Close the open file; one that could not be stored stays in the spool for the rerun."""
        for handle in (self._fh, self._journal):
            if handle is not None:
                handle.close()

"""Archived captures as WARC files in the store's ``raw/``, as a crawl's responses are.

Each capture becomes one ``response`` record whose WARC-Date is the capture time (so cleaning reads
it as ``fetched_at`` and refuses a page date after it) and whose ``WARC-Defcorpus-*`` headers say
where it came from: the archive, the capture time, the memento URL or the Common Crawl file, offset
and length. Bodies are stored decoded, as the crawl's writer stores Scrapy's, so
``Content-Encoding`` and ``Transfer-Encoding`` are dropped and ``Content-Length`` is the payload's.

A file is written locally and uploaded whole (create-only) every ``warc_records`` settled captures
and when the backfill ends or is interrupted; its settled segment (``crawlers.archives.state``) is
written first, its Parquet index (``corpus.warc_index``) after.

Why not the crawl's writer extension: it is a Scrapy extension fed by Scrapy's signals, dating each
record at the moment of the fetch; here there is no Scrapy engine, and the date is the capture's.
"""

from __future__ import annotations

import json
from datetime import UTC
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpus import layout
from corpus.store import Store
from corpus.tempdirs import private_tempdir
from corpus.warc_index import write_index
from crawlers.archives.captures import Capture, Memento

SOFTWARE = "defcorpus/0.1 (archive backfill; warcio)"


class BackfillWriter:
    def __init__(self, store: Store, site: str, archive: str, run_id: str, max_records: int) -> None:
        self.store, self.site, self.archive, self.run_id = store, site, archive, run_id
        self.max_records = max_records
        self.keys: list[str] = []
        self._tmpdir = private_tempdir("defcorpus-backfill-")
        self._fh: BinaryIO | None = None
        self._warc: WARCWriter | None = None
        self._entries: list[dict[str, str]] = []

    @property
    def _key(self) -> str:
        return layout.raw_warc_key(self.site, self.run_id, len(self.keys))

    def _open(self) -> WARCWriter:
        if self._warc is None:
            self._fh = (Path(self._tmpdir.name) / f"{len(self.keys):05d}.warc.gz").open("wb")
            self._warc = WARCWriter(self._fh, gzip=True, warc_version="1.1")
            info = {"software": SOFTWARE, "format": "WARC File Format 1.1", "isPartOf": f"{self.site}/{self.run_id}"}
            self._warc.write_record(self._warc.create_warcinfo_record(self._key.rsplit("/", 1)[-1], info))
        return self._warc

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
        warc.write_record(record)
        self._entries.append(self._entry(capture, "fetched", memento.url))

    def skip(self, capture: Capture, reason: str) -> None:
        self._open()  # a segment is kept with a file: one holding only skips is a warcinfo record
        self._entries.append(self._entry(capture, reason, capture.url))

    def _entry(self, capture: Capture, outcome: str, url: str) -> dict[str, str]:
        return {
            "article": capture.article,
            "timestamp": capture.timestamp,
            "outcome": outcome,
            "url": url,
            "warc_key": self._key,
        }

    def full(self) -> bool:
        return len(self._entries) >= self.max_records

    def flush(self) -> str | None:
        """Store the open file (segment first, then the file, then its index); its key, or None."""
        if self._fh is None:
            return None
        self._fh.close()
        path, key = Path(self._fh.name), self._key
        segment = "".join(json.dumps(e, sort_keys=True) + "\n" for e in self._entries)
        self.store.write(layout.archive_settled_key(self.site, self.archive, key), segment.encode())
        self.store.upload_file(key, path, if_absent=True)
        write_index(self.store, key, path)
        path.unlink()
        self.keys.append(key)
        self._fh, self._warc, self._entries = None, None, []
        return key

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        self._tmpdir.cleanup()

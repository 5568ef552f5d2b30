"""Write every fetched response, with its request, to ISO 28500 WARC files in the store.

Files are written locally, then uploaded whole (create-only) when they reach
``DEFCORPUS_WARC_MAX_BYTES``, ``DEFCORPUS_WARC_MAX_RECORDS`` responses or ``DEFCORPUS_WARC_MAX_SECONDS``
of age, or the crawl closes, so the store never holds a partial WARC file and a killed crawl loses at
most one small file's worth of pages, and the few responses queued for the writer (fetched again by
the next run). Before a file is uploaded, its
state segment (``crawlers.state``: the articles in it, with ETag, Last-Modified and content hash) is
written; the incremental middleware prepared those records in ``request.meta["defcorpus_fetch"]``, or
sent one alone (``crawlers.state.fetch_confirmed``: a short page fetched again, identical to the copy
an earlier file holds), which joins the segment of the file open at the time.
The file's Parquet index (``corpus.warc_index``) is built from the records as they are written and
stored after the file.

The reactor thread builds each record (``crawlers.warc_records``: headers, digests), which is quick;
one worker thread does the slow part: each record's gzip member (one zlib call, at
``DEFCORPUS_WARC_GZIP_LEVEL``, which runs without the GIL), the file writes, rotation, the segment,
the upload and the index, in the order the responses arrived. At most ``MAX_PENDING_RESPONSES``
responses (``MAX_PENDING_BYTES``) wait for it; past that the reactor waits. When the crawl closes,
every queued response is written and the last file uploaded before the crawl reports its keys. If
the worker fails (a full disk, an upload the store refuses), nothing more is written: the error is
logged, counted as ``warc/errors``, and the crawl is stopped with reason ``warc_error`` (or, failing
at close, exits non-zero); the pages that never reached the store are fetched again by the next
run, as after a kill.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from corpus import layout
from corpus.store import Store
from corpus.tempdirs import private_tempdir
from corpus.warc_index import IndexRow, write_index_rows
from crawlers.crawl_store import crawl_store
from crawlers.state import FetchRecord, fetch_confirmed, write_segment
from crawlers.warc_records import Exchange, RecordBuilder, warcinfo_record

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

ERROR_REASON = "warc_error"  # the finish reason of a crawl stopped by a failed WARC write or upload
MAX_PENDING_RESPONSES = 32  # responses queued for the worker before the reactor waits for it
MAX_PENDING_BYTES = 16 * 1024 * 1024  # ... or this many bytes of records
_GZIP_WBITS = zlib.MAX_WBITS + 16  # a gzip member, not a raw zlib stream


@dataclass
class _Done:
    """What one task of the worker did: stats to add and files stored, applied on the reactor thread."""

    stats: Counter[str] = field(default_factory=Counter)
    stored: list[str] = field(default_factory=list)


class WarcWriter:
    def __init__(
        self,
        store: Store,
        crawl_id: str,
        max_bytes: int,
        stats: StatsCollector,
        max_records: int = 0,
        max_seconds: float = 0.0,
        gzip_level: int = 9,
        crawler: Crawler | None = None,
    ) -> None:
        self.store = store
        self.crawl_id = crawl_id
        self.max_bytes = max_bytes
        self.max_records = max_records
        self.max_seconds = max_seconds
        self.gzip_level = gzip_level
        self.stats = stats
        self.crawler = crawler
        self.site = ""
        self.keys: list[str] = []  # appended by the worker; read once it has stopped
        self._tmpdir = private_tempdir("defcorpus-warc-")  # and removes those killed crawls left
        # The reactor thread's side: the worker and what is queued for it.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="defcorpus-warc")
        self._pending: deque[tuple[Future[_Done], int]] = deque()
        self._pending_bytes = 0
        self._failed = False
        self._closing = False
        self._record_builder = RecordBuilder()  # used on the reactor thread only
        # The worker's side: the open file.
        self._fh: BinaryIO | None = None
        self._records: list[FetchRecord] = []  # state of the articles in the open file
        self._index: list[IndexRow] = []  # index rows of the responses in the open file
        self._responses = 0
        self._opened_at = 0.0
        self._broken = False  # a task failed: the worker skips the rest

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriter:
        settings = crawler.settings
        if not settings.getbool("DEFCORPUS_WARC_ENABLED"):
            raise NotConfigured("DEFCORPUS_WARC_ENABLED is off")
        crawl_id = settings.get("DEFCORPUS_CRAWL_ID") or layout.new_run_id()
        max_bytes = settings.getint("DEFCORPUS_WARC_MAX_BYTES")
        max_records = settings.getint("DEFCORPUS_WARC_MAX_RECORDS")
        max_seconds = settings.getfloat("DEFCORPUS_WARC_MAX_SECONDS")
        gzip_level = settings.getint("DEFCORPUS_WARC_GZIP_LEVEL")
        if max_bytes <= 0 or max_records < 0 or max_seconds < 0:
            raise NotConfigured("DEFCORPUS_WARC_MAX_BYTES must be positive, MAX_RECORDS/MAX_SECONDS >= 0")
        if not 0 <= gzip_level <= 9:
            raise NotConfigured("DEFCORPUS_WARC_GZIP_LEVEL must be 0 (none) to 9 (smallest)")
        store = crawl_store(crawler)
        assert crawler.stats is not None
        ext = cls(store, crawl_id, max_bytes, crawler.stats, max_records, max_seconds, gzip_level, crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.record_confirmed, signal=fetch_confirmed)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    # ------------------------------------------------------------------ the reactor thread

    def spider_opened(self, spider: Spider) -> None:
        self.site = spider.site_config.name  # type: ignore[attr-defined]
        self.stats.set_value("defcorpus/crawl_id", self.crawl_id)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        self._collect()
        if self._failed:
            self.stats.inc_value("warc/responses_not_written")
            return
        exchange = self._record_builder.exchange(response, request)
        self._submit(self._write, exchange, size=exchange.size)

    def record_confirmed(self, record: FetchRecord) -> None:
        """File a record whose page an earlier WARC file holds (``record.warc_key``)."""
        self._collect()
        if not self._failed:
            self._submit(self._add_record, record, size=0)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Write what is queued, store the open file, and only then report the keys."""
        self._closing = True
        if not self._failed:
            self._submit(self._finish, None, size=0)
        self._collect(drain=True)
        self._executor.shutdown(wait=True)
        self.stats.set_value("warc/keys", list(self.keys))
        self._tmpdir.cleanup()

    def _submit(self, task: Callable[[Any], _Done], arg: Any, *, size: int) -> None:
        self._pending.append((self._executor.submit(self._run, task, arg), size))
        self._pending_bytes += size
        self._collect()

    def _collect(self, *, drain: bool = False) -> None:
        """Apply the results of finished tasks, in order; wait for the oldest while too much is queued
        (``drain``: wait for them all)."""
        while self._pending:
            future, size = self._pending[0]
            too_much = len(self._pending) > MAX_PENDING_RESPONSES or self._pending_bytes > MAX_PENDING_BYTES
            if not (drain or too_much or future.done()):
                return
            self._pending.popleft()
            self._pending_bytes -= size
            if not (drain or future.done()):
                self._count_wait(future)
            try:
                done = future.result()
            except Exception as exc:
                self._fail(exc)
                continue
            for key, count in done.stats.items():
                self.stats.inc_value(key, count)
            for key in done.stored:
                logger.info("WARC file written: %s", self.store.uri(key))

    def _count_wait(self, future: Future[_Done]) -> None:
        """The reactor waits for the worker (too much queued): counted, so a slow store shows in the stats."""
        started = time.monotonic()
        future.exception()  # returns once the task is done, whether it failed or not
        self.stats.inc_value("warc/queue_waits")
        self.stats.inc_value("warc/queue_wait_ms", round((time.monotonic() - started) * 1000))

    def _fail(self, exc: Exception) -> None:
        self.stats.inc_value("warc/errors")
        if self._failed:
            return
        self._failed = True
        logger.error("WARC writing failed, nothing more is stored: %s", exc, exc_info=exc)
        if not self._closing and self.crawler is not None and self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=ERROR_REASON))

    # ------------------------------------------------------------------ the worker thread

    def _run(self, task: Callable[[Any], _Done], arg: Any) -> _Done:
        if self._broken:
            return _Done()
        try:
            return task(arg)
        except BaseException:
            self._broken = True
            raise

    def _write(self, exchange: Exchange) -> _Done:
        done = _Done()
        if self._fh is None:
            self._open_file()
        self._write_member(exchange.request_record)
        offset, length = self._write_member(exchange.response_record)
        self._index.append({**exchange.index, "offset": offset, "length": length})
        done.stats["warc/records"] += 2
        self._responses += 1
        if exchange.draft:
            key = layout.raw_warc_key(self.site, self.crawl_id, len(self.keys))
            self._records.append(FetchRecord(fetched_at=exchange.fetched, warc_key=key, **exchange.draft))
        if self._full():
            self._close_file(done)
        return done

    def _add_record(self, record: FetchRecord) -> _Done:
        if self._fh is None:
            self._open_file()  # a segment is written only with a file; this one may hold nothing else
        self._records.append(record)
        return _Done()

    def _write_member(self, record: bytes) -> tuple[int, int]:
        """Append one record as its own gzip member (one zlib call, without the GIL); its offset and length."""
        assert self._fh is not None
        member = zlib.compress(record, self.gzip_level, wbits=_GZIP_WBITS)
        offset = self._fh.tell()
        self._fh.write(member)
        return offset, len(member)

    def _finish(self, _: None) -> _Done:
        done = _Done()
        self._close_file(done)
        return done

    def _full(self) -> bool:
        assert self._fh is not None
        return (
            self._fh.tell() >= self.max_bytes
            or (self.max_records > 0 and self._responses >= self.max_records)
            or (self.max_seconds > 0 and time.monotonic() - self._opened_at >= self.max_seconds)
        )

    def _open_file(self) -> None:
        path = Path(self._tmpdir.name) / f"{len(self.keys):05d}.warc.gz"
        self._fh = path.open("wb")
        self._opened_at = time.monotonic()
        self._responses = 0
        self._write_member(warcinfo_record(path.name, f"{self.site}/{self.crawl_id}"))

    def _close_file(self, done: _Done) -> None:
        if self._fh is None:
            return
        self._fh.close()
        path = Path(self._fh.name)
        seq = len(self.keys)
        key = layout.raw_warc_key(self.site, self.crawl_id, seq)
        if self._records:
            # State first: a segment whose WARC file is missing is ignored, never the other way round.
            write_segment(self.store, self.site, self.crawl_id, seq, self._records)
            done.stats["incremental/state_records"] += len(self._records)
            self._records = []
        self.store.upload_file(key, path, if_absent=True)
        write_index_rows(self.store, key, self._index)
        self._index = []
        done.stats["warc/files"] += 1
        done.stats["warc/bytes"] += path.stat().st_size
        done.stored.append(key)
        self.keys.append(key)
        path.unlink()
        self._fh = None

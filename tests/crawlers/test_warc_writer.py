"""The WARC writer in isolation: what it stores, in which order, at which gzip level, and what a failure does.

Records are built on the reactor thread and compressed, rotated and uploaded by one worker thread; these
tests drive the extension's signal handlers directly (no reactor), then read back what landed in the store.
"""

from __future__ import annotations

import gzip
import io
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyarrow.parquet as pq
import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from corpus import layout
from corpus.errors import StoreError
from corpus.store import LocalStore
from corpus.warc import read_record
from corpus.warc_index import index_warc
from crawlers import settings as crawl_settings
from crawlers.extensions import warc_writer
from crawlers.extensions.warc_writer import ERROR_REASON, WarcWriter
from crawlers.runner import CrawlError
from crawlers.state import load_state
from tests.support.crawling import crawl
from tests.support.http import FixtureSite, serving
from tests.support.pages import Story, day
from tests.support.publishers.plain import sitemap_site
from tests.support.site_configs import fixture_site

SITE = "wtest"
CRAWL_ID = "20250301T000000Z-0badf00d"
SPIDER = SimpleNamespace(site_config=SimpleNamespace(name=SITE))


def settings(store: Path, **overrides: Any) -> dict[str, Any]:
    defaults = {name: getattr(crawl_settings, name) for name in dir(crawl_settings) if name.startswith("DEFCORPUS_")}
    return {**defaults, "DEFCORPUS_STORE": str(store), "DEFCORPUS_CRAWL_ID": CRAWL_ID, **overrides}


def writer_for(store: Path, **overrides: Any) -> WarcWriter:
    return build_from_crawler(WarcWriter, get_crawler(settings_dict=settings(store, **overrides)))


def writer_on(store: LocalStore, max_records: int) -> WarcWriter:
    crawler = get_crawler(settings_dict=settings(store.root))
    assert crawler.stats is not None
    return WarcWriter(store, CRAWL_ID, 1 << 30, crawler.stats, max_records=max_records, crawler=crawler)


def article_body(n: int) -> bytes:
    return b"<html><head><title>Story %d</title></head><body>" % n + b"<p>The frigate sailed.</p>" * 60


def exchange(n: int, *, article: bool = True, paywall: bool = False) -> tuple[HtmlResponse, Request]:
    url = f"https://example.com/2025/03/story-{n}/"
    meta: dict[str, Any] = {"defcorpus_article": article}
    if article:
        meta["defcorpus_fetch"] = {"url": url, "status": 200, "content_hash": f"hash-{n}", "etag": f'"e{n}"'}
    if paywall:
        meta["defcorpus_paywall"] = True
    request = Request(url, meta=meta, headers={"User-Agent": "defcorpus-test"})
    response = HtmlResponse(
        url,
        status=200,
        body=article_body(n),
        headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip", "ETag": f'"e{n}"'},
        request=request,
        protocol="HTTP/1.1",
    )
    return response, request


def crawl_through(writer: WarcWriter, responses: int, **kwargs: Any) -> None:
    writer.spider_opened(SPIDER)  # type: ignore[arg-type]
    for n in range(responses):
        response, request = exchange(n, paywall=n == 1, **kwargs)
        writer.response_received(response, request, SPIDER)  # type: ignore[arg-type]
    writer.spider_closed(SPIDER, "finished")  # type: ignore[arg-type]


def records_of(path: Path) -> list[Any]:
    with path.open("rb") as fh:
        return [
            (r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
            for r in ArchiveIterator(fh, check_digests="raise")
        ]


def test_records_headers_index_and_state(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    writer = writer_for(store_dir, DEFCORPUS_WARC_MAX_RECORDS=2)
    crawl_through(writer, 5)
    store = LocalStore(store_dir)
    keys = [layout.raw_warc_key(SITE, CRAWL_ID, seq) for seq in range(3)]  # 2 + 2 + 1 responses
    assert writer.stats.get_value("warc/keys") == keys
    assert sorted(k for k in store.list("raw/") if k.endswith(".warc.gz")) == keys
    assert writer.stats.get_value("warc/files") == 3
    assert writer.stats.get_value("warc/records") == 10
    assert writer.stats.get_value("incremental/state_records") == 5

    n = 0
    for key in keys:
        path = store_dir / key
        records = records_of(path)  # every digest checked
        assert records[0][0] == "warcinfo"
        assert records[0][1].protocol == "WARC/1.1"
        pairs = records[1:]
        assert [r[0] for r in pairs] == ["request", "response"] * (len(pairs) // 2)
        for (_, request_headers, request_http, _), (_, headers, http, payload) in zip(
            pairs[::2], pairs[1::2], strict=True
        ):
            url = f"https://example.com/2025/03/story-{n}/"
            assert headers.protocol == "WARC/1.1"
            assert headers.get_header("WARC-Target-URI") == url == request_headers.get_header("WARC-Target-URI")
            assert request_headers.get_header("WARC-Concurrent-To") == headers.get_header("WARC-Record-ID")
            assert request_headers.get_header("WARC-Date") == headers.get_header("WARC-Date")
            assert headers.get_header("WARC-Block-Digest") and headers.get_header("WARC-Payload-Digest")
            assert headers.get_header("WARC-Defcorpus-Flags") == ("paywall" if n == 1 else None)
            assert request_http.protocol == "GET" and request_http.get_header("Host") == "example.com"
            assert http.get_statuscode() == "200"
            assert http.get_header("Content-Encoding") is None  # Scrapy hands us decoded bodies
            assert http.get_header("Content-Length") == str(len(payload))
            assert payload == article_body(n)
            n += 1

        # The index written from the records as they were written is the index of the file as read.
        index = pq.read_table(io.BytesIO(store.read(layout.warc_index_key(key))))
        assert index.equals(index_warc(path))
        for row in index.to_pylist():
            page = read_record(store, key, row["offset"], row["length"])
            assert page.html == article_body(int(row["url"][-2]))
            assert page.paywalled is row["url"].endswith("story-1/")  # the flags header, read back
    assert n == 5

    state = load_state(store, SITE)
    assert sorted(state.records) == [f"https://example.com/2025/03/story-{n}/" for n in range(5)]
    assert state.records["https://example.com/2025/03/story-4/"].warc_key == keys[2]
    assert state.records["https://example.com/2025/03/story-0/"].etag == '"e0"'


def test_each_record_is_its_own_gzip_member(tmp_path: Path) -> None:
    crawl_through(writer_for(tmp_path, DEFCORPUS_WARC_MAX_RECORDS=0), 3)
    (path,) = tmp_path.rglob("*.warc.gz")
    with path.open("rb") as fh:
        iterator = ArchiveIterator(fh)
        spans = []
        for _record in iterator:
            iterator.read_to_end()
            spans.append((iterator.get_record_offset(), iterator.get_record_length()))
    data = path.read_bytes()
    assert len(spans) == 7  # warcinfo + 3 request/response pairs
    assert spans[-1][0] + spans[-1][1] == len(data)
    for offset, length in spans:
        assert gzip.decompress(data[offset : offset + length]).startswith(b"WARC/1.1\r\n")


def test_gzip_level_setting(tmp_path: Path) -> None:
    sizes = {}
    for level in (0, 1, 9):
        crawl_through(writer_for(tmp_path / str(level), DEFCORPUS_WARC_GZIP_LEVEL=level), 4)
        (path,) = (tmp_path / str(level)).rglob("*.warc.gz")
        payloads = [r[3] for r in records_of(path) if r[0] == "response"]
        assert payloads == [article_body(n) for n in range(4)]  # the same records at every level
        sizes[level] = path.stat().st_size
    assert sizes[9] < sizes[1] < sizes[0]
    assert crawl_settings.DEFCORPUS_WARC_GZIP_LEVEL == 9  # warcio's own level: archives as small as before
    for bad in (-1, 10):
        with pytest.raises(NotConfigured, match="DEFCORPUS_WARC_GZIP_LEVEL"):
            writer_for(tmp_path / "bad", DEFCORPUS_WARC_GZIP_LEVEL=bad)


class RecordingStore(LocalStore):
    """A local store that logs every write and upload, optionally slowly or failing one upload."""

    def __init__(self, root: Path, *, delay: float = 0.0, fail_upload: int | None = None) -> None:
        super().__init__(root)
        self.events: list[str] = []
        self.delay = delay
        self.fail_upload = fail_upload
        self.uploads = 0

    def write(self, key: str, data: bytes, *, if_absent: bool = False) -> None:
        self.events.append(f"write {key}")
        super().write(key, data, if_absent=if_absent)

    def upload_file(self, key: str, path: Any, *, if_absent: bool = False) -> None:
        time.sleep(self.delay)
        self.uploads += 1
        if self.uploads == self.fail_upload:
            raise StoreError(f"cannot write {self.uri(key)}: injected failure")
        self.events.append(f"upload {key}")
        super().upload_file(key, path, if_absent=if_absent)


def test_state_segment_before_its_warc_file_and_index_after(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path)
    crawl_through(writer_on(store, max_records=2), 4)
    expected = []
    for seq in range(2):
        warc = layout.raw_warc_key(SITE, CRAWL_ID, seq)
        expected += [
            f"write {layout.crawl_state_segment_key(SITE, CRAWL_ID, seq)}",
            f"upload {warc}",
            f"write {layout.warc_index_key(warc)}",
        ]
    assert store.events == expected


def test_close_waits_for_the_worker(tmp_path: Path) -> None:
    """A slow store: when spider_closed returns, every file is uploaded and the keys are reported."""
    store = RecordingStore(tmp_path, delay=0.2)
    writer = writer_on(store, max_records=1)
    crawl_through(writer, 3)
    keys = [layout.raw_warc_key(SITE, CRAWL_ID, seq) for seq in range(3)]
    assert writer.stats.get_value("warc/keys") == keys
    assert all(store.exists(key) and store.exists(layout.warc_index_key(key)) for key in keys)
    assert list(tmp_path.rglob(".tmp-*")) == []


def test_reactor_waits_when_the_worker_falls_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow store and a short queue: the reactor waits (counted), nothing is lost or reordered."""
    monkeypatch.setattr(warc_writer, "MAX_PENDING_RESPONSES", 1)
    store = RecordingStore(tmp_path, delay=0.1)
    writer = writer_on(store, max_records=1)
    crawl_through(writer, 4)
    assert writer.stats.get_value("warc/queue_waits") >= 1
    assert writer.stats.get_value("warc/queue_wait_ms") > 0
    keys = [layout.raw_warc_key(SITE, CRAWL_ID, seq) for seq in range(4)]
    assert writer.stats.get_value("warc/keys") == keys
    assert [e.split()[1] for e in store.events if e.startswith("upload")] == keys


class _Engine:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def close_spider_async(self, *, reason: str) -> None:  # the real one is a coroutine; no reactor here
        self.reasons.append(reason)


def test_failed_upload_stops_the_crawl_and_stores_nothing_more(tmp_path: Path, caplog: Any) -> None:
    store = RecordingStore(tmp_path, fail_upload=2)
    writer = writer_on(store, max_records=2)
    engine = _Engine()
    assert writer.crawler is not None
    writer.crawler.engine = engine  # type: ignore[assignment]
    writer.spider_opened(SPIDER)  # type: ignore[arg-type]
    for n in range(4):  # the second file's upload fails
        writer.response_received(*exchange(n), SPIDER)  # type: ignore[arg-type]
    writer._executor.submit(lambda: None).result()  # the worker has done all it was given
    for n in range(4, 7):  # the crawl goes on until the engine closes it: nothing more is written
        writer.response_received(*exchange(n), SPIDER)  # type: ignore[arg-type]
    writer.spider_closed(SPIDER, ERROR_REASON)  # type: ignore[arg-type]

    assert engine.reasons == [ERROR_REASON]
    assert writer.stats.get_value("warc/errors") == 1
    assert writer.stats.get_value("warc/responses_not_written") == 3
    assert "WARC writing failed" in caplog.text and "injected failure" in caplog.text
    first = layout.raw_warc_key(SITE, CRAWL_ID, 0)
    assert writer.stats.get_value("warc/keys") == [first]
    assert [k for k in store.list("raw/") if k.endswith(".warc.gz")] == [first]  # no partial or later file
    # The failed file's segment was written first; without its WARC file it is ignored.
    assert store.exists(layout.crawl_state_segment_key(SITE, CRAWL_ID, 1))
    assert sorted(load_state(store, SITE).records) == [f"https://example.com/2025/03/story-{n}/" for n in range(2)]


STORIES = [Story(f"/2025/03/story-{n}/", f"Story {n}", day(2025, 3, n + 1)) for n in range(3)]


def build(base: str) -> FixtureSite:
    return sitemap_site(base, STORIES)


def test_upload_failing_at_close_fails_the_crawl(tmp_path: Path) -> None:
    """The last file's upload fails as the crawl closes: the crawl ends non-zero, loudly."""
    store = LocalStore(tmp_path / "store")
    store.write(layout.raw_warc_key("wfail", CRAWL_ID, 0), b"somebody else's file")  # create-only upload fails
    with serving(build) as (server, _):
        config = fixture_site("wfail", server.base_url)
        with pytest.raises(CrawlError, match=r"(?s)exit code 1.*key already exists"):
            crawl(config, store.root, DEFCORPUS_CRAWL_ID=CRAWL_ID)
    assert store.read(layout.raw_warc_key("wfail", CRAWL_ID, 0)) == b"somebody else's file"

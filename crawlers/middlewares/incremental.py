"""Incremental crawling: ask only for what may have changed, and keep unchanged pages out of raw/.

For an article URL already in the site's state (``crawlers.state``):
- its last fetch looked short (the guard's ``defcorpus_short``: a placeholder, "story to follow") on
  fewer than ``DEFCORPUS_INCREMENTAL_SHORT_RETRIES`` later runs so far: asked for again, plainly;
- the clean rejected the page its last fetch stored (``CrawlState.was_rejected``) and fewer than
  as many later runs asked again: asked for again, plainly, the same way;
- discovery dated it (sitemap ``<lastmod>``, news/feed date) no later than our fetch: not requested;
- otherwise, if the last response had an ETag or Last-Modified: a conditional request, and a 304
  counts as unchanged;
- otherwise (no date, no validators): not requested, unless ``DEFCORPUS_INCREMENTAL_REFETCH_UNVALIDATED``.
A 200 whose body hashes as before is unchanged too. Unchanged responses are dropped here
(``IgnoreRequest``), so they reach neither the WARC files nor the spider; new and updated ones carry
a ``FetchRecord`` draft in ``request.meta["defcorpus_fetch"]`` that the WARC writer files with the
WARC file holding the page. A short page answered as before is not stored again either, but its
record is (``fetch_confirmed``), so the tries are counted and end. Stats: ``articles/new``,
``articles/updated``, ``articles/unchanged``, ``incremental/<why>``. Meta ``defcorpus_refetch`` forces
a plain request for one URL.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from corpus.dates import parse_iso8601
from crawlers.crawl_store import crawl_store
from crawlers.state import CrawlState, FetchRecord, compact, fetch_confirmed, load_state

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from corpus.store import Store

logger = logging.getLogger(__name__)


class Unchanged(IgnoreRequest):
    """The page is as we last fetched it."""


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, store: Store, refetch_unvalidated: bool, short_retries: int = 0) -> None:
        self.crawler = crawler
        self.store = store
        self.refetch_unvalidated = refetch_unvalidated
        self.short_retries = short_retries
        self.state = CrawlState({}, [])

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        if not settings.getbool("DEFCORPUS_INCREMENTAL_ENABLED"):
            raise NotConfigured("DEFCORPUS_INCREMENTAL_ENABLED is off")
        short_retries = settings.getint("DEFCORPUS_INCREMENTAL_SHORT_RETRIES")
        if short_retries < 0:
            raise NotConfigured("DEFCORPUS_INCREMENTAL_SHORT_RETRIES must be >= 0")
        store = crawl_store(crawler)
        refetch_unvalidated = settings.getbool("DEFCORPUS_INCREMENTAL_REFETCH_UNVALIDATED")
        mw = cls(crawler, store, refetch_unvalidated, short_retries)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        site = spider.site_config.name  # type: ignore[attr-defined]
        self.state = load_state(self.store, site)
        self._stats().set_value("incremental/known_urls", len(self.state.records))
        crawl_id = self.crawler.settings.get("DEFCORPUS_CRAWL_ID")
        if crawl_id and compact(self.store, site, crawl_id, self.state):
            self._stats().inc_value("incremental/compacted")

    def _stats(self) -> Any:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not request.meta.get("defcorpus_article") or request.meta.get("defcorpus_refetch"):
            return
        record = self.state.get(request.url)
        if record is None:
            return
        if self._retries_short(record) or self._retries_rejected(record):
            # Plainly, not conditionally: a 304 would end the try uncounted, and the page asked again forever.
            short = self._retries_short(record)
            self._stats().inc_value("incremental/short_retried" if short else "incremental/rejected_retried")
            return
        lastmod = request.meta.get("defcorpus_lastmod")
        if lastmod and parse_iso8601(lastmod) <= parse_iso8601(record.fetched_at):
            self._unchanged("skipped_lastmod")
            raise Unchanged(f"not modified since {record.fetched_at} (discovery date {lastmod})")
        if record.has_validators:
            if record.etag:
                request.headers[b"If-None-Match"] = record.etag
            if record.last_modified:
                request.headers[b"If-Modified-Since"] = record.last_modified
            self._stats().inc_value("incremental/conditional_requests")
            return
        if lastmod or self.refetch_unvalidated:
            return
        self._unchanged("skipped_known")
        raise Unchanged("fetched before, no date and no validators to ask with")

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if not request.meta.get("defcorpus_article"):
            return response
        if response.status == 304:
            self._unchanged("not_modified")
            raise Unchanged(f"304 Not Modified: {request.url}")
        if response.status != 200:
            return response
        digest = hashlib.sha256(response.body).hexdigest()
        record = self.state.get(request.url)
        short = bool(request.meta.get("defcorpus_short"))
        draft: dict[str, Any] = {
            "url": request.url,
            "status": response.status,
            "content_hash": digest,
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
            "short_fetches": ((record.short_fetches if record else 0) + 1) if short else 0,
            "rejected_retries": record.rejected_retries + 1 if record and self._retries_rejected(record) else 0,
        }
        if record is not None and record.content_hash == digest:
            if self._retries_short(record) or self._retries_rejected(record):
                fetched_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                confirmed = FetchRecord(fetched_at=fetched_at, warc_key=record.warc_key, **draft)
                self.crawler.signals.send_catch_log(signal=fetch_confirmed, record=confirmed)
                self._stats().inc_value("incremental/short_unchanged")
            self._unchanged("same_content")
            raise Unchanged(f"same content as fetched at {record.fetched_at}: {request.url}")
        self._stats().inc_value("articles/updated" if record else "articles/new")
        request.meta["defcorpus_fetch"] = draft
        return response

    def _retries_short(self, record: FetchRecord) -> bool:
        """The last fetch looked short, and fewer than ``short_retries`` later runs asked again."""
        return 0 < record.short_fetches <= self.short_retries

    def _retries_rejected(self, record: FetchRecord) -> bool:
        """The clean rejected the page the last fetch stored, and fewer than ``short_retries`` later runs asked."""
        return self.state.was_rejected(record) and record.rejected_retries < self.short_retries

    def _unchanged(self, why: str) -> None:
        self._stats().inc_value("articles/unchanged")
        self._stats().inc_value(f"incremental/{why}")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None

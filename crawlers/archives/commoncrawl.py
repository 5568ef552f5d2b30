"""Common Crawl: one CDX index per crawl (pywb), records fetched by HTTP range from the data server.

Discovery: ``collinfo.json`` lists the crawls; those whose dates overlap the window are asked, oldest
first for the earliest capture (newest first for the latest), through
``/<CC-MAIN-…>-index?url=<host>&matchType=host&output=json`` with ``from``/``to`` and filters on
status and MIME type. The answer is NDJSON, in pages: ``showNumPages=true`` says how many, ``page=N``
reads one. An index answers 404 "No Captures found" for a host it does not hold: an empty crawl.

Fetch: the row's ``filename``, ``offset`` and ``length`` locate one gzip member of a WARC file on the
data server; ``Range: bytes=offset-(offset+length-1)`` brings exactly that record, which is kept as
the record it is: its own WARC-Date (the capture time), Target-URI and Record-ID, the payload as
crawled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from corpus.dates import parse_datetime
from crawlers.archives.captures import Capture, Memento, Page, Skip, format_timestamp
from crawlers.archives.client import ArchiveClient, ArchiveError
from crawlers.archives.judge import judge
from crawlers.archives.settings import ArchiveSettings
from crawlers.archives.wayback import queries
from crawlers.sites import SiteConfig
from crawlers.window import Window

_DROPPED = {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}
CRAWL_DAYS = 14  # a crawl without dates in collinfo.json: its id's ISO week, and this many days


def archive_client(settings: ArchiveSettings) -> ArchiveClient:
    return ArchiveClient(settings, {"index": settings.cc_index_per_minute, "data": settings.cc_data_per_minute})


@dataclass(frozen=True)
class Crawl:
    id: str
    start: datetime
    end: datetime


def parse_collinfo(body: bytes) -> list[Crawl]:
    try:
        entries = json.loads(body)
        crawls = [_crawl(entry) for entry in entries]
    except (ValueError, TypeError, KeyError):
        raise ArchiveError("Common Crawl collinfo.json is not a list of crawls") from None
    return sorted(crawls, key=lambda c: c.start)


def _crawl(entry: dict[str, Any]) -> Crawl:
    crawl_id = str(entry["id"])
    start, end = parse_datetime(entry.get("from") or ""), parse_datetime(entry.get("to") or "")
    if start is None or end is None:  # CC-MAIN-2019-04: ISO year and week
        year, week = (int(part) for part in crawl_id.removeprefix("CC-MAIN-").split("-")[:2])
        start = datetime.combine(date.fromisocalendar(year, week, 1), datetime.min.time(), UTC)
        end = start + timedelta(days=CRAWL_DAYS)
    return Crawl(crawl_id, start.astimezone(UTC), end.astimezone(UTC))


class CommonCrawlSource:
    archive = "commoncrawl"

    def __init__(
        self, client: ArchiveClient, settings: ArchiveSettings, site: SiteConfig, window: Window, capture: str
    ):
        assert window.since and window.until
        self.client, self.settings, self.site, self.window, self.capture = client, settings, site, window, capture
        self.index = settings.cc_index_url.rstrip("/")
        self.data = settings.cc_data_url.rstrip("/")

    def crawls(self) -> list[Crawl]:
        assert self.window.since and self.window.until
        answer = self.client.get("index", f"{self.index}/collinfo.json")
        if answer.status != 200:
            raise ArchiveError(f"Common Crawl index server answered HTTP {answer.status} for collinfo.json")
        since, until = self.window.since, self.window.until
        chosen = [c for c in parse_collinfo(answer.body) if c.start < until and c.end >= since]
        return chosen if self.capture == "earliest" else chosen[::-1]

    def pages(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        pairs = [
            (crawl.id, n, url, match) for crawl in self.crawls() for n, (url, match) in enumerate(queries(self.site))
        ]
        start, first_page = 0, 0
        for i, (crawl, n, _, _) in enumerate(pairs):
            if cursor and crawl == cursor.get("crawl") and n == cursor.get("query", 0):
                start, first_page = i, int(cursor.get("page", 0))
                break
        for i, (crawl, n, url, match) in enumerate(pairs[start:], start):
            count = self._num_pages(crawl, url, match)
            for page in range(first_page if i == start else 0, count):
                following: dict[str, Any] | None = {"crawl": crawl, "query": n, "page": page + 1}
                if page + 1 == count:  # the next crawl (or query) from its first page, or the end
                    after = pairs[i + 1] if i + 1 < len(pairs) else None
                    following = {"crawl": after[0], "query": after[1], "page": 0} if after else None
                yield Page({"crawl": crawl, "query": n, "page": page}, self._page(crawl, url, match, page), following)

    def _params(self, url: str, match: str) -> list[tuple[str, str]]:
        assert self.window.since and self.window.until
        return [
            ("url", url),
            ("matchType", match),
            ("output", "json"),
            ("from", format_timestamp(self.window.since)),
            ("to", format_timestamp(self.window.until - timedelta(seconds=1))),
            ("filter", "=status:200"),
            ("filter", "~mime:.*html"),
        ]

    def _num_pages(self, crawl: str, url: str, match: str) -> int:
        answer = self._index(crawl, [*self._params(url, match), ("showNumPages", "true")])
        if answer is None:
            return 0
        try:
            return int(json.loads(answer)["pages"])
        except (ValueError, KeyError, TypeError):
            raise ArchiveError(f"Common Crawl index {crawl} answered showNumPages without a page count") from None

    def _page(self, crawl: str, url: str, match: str, page: int) -> list[Capture]:
        body = self._index(crawl, [*self._params(url, match), ("page", str(page))])
        captures = []
        for line in (body or b"").splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                captures.append(
                    Capture(
                        urlkey=row["urlkey"],
                        timestamp=row["timestamp"],
                        url=row["url"],
                        digest=row.get("digest", ""),
                        filename=row["filename"],
                        offset=int(row["offset"]),
                        length=int(row["length"]),
                        crawl=crawl,
                    )
                )
            except (ValueError, KeyError, TypeError):
                raise ArchiveError(f"Common Crawl index {crawl} answered a line that is not a capture") from None
        return captures

    def _index(self, crawl: str, params: list[tuple[str, str]]) -> bytes | None:
        answer = self.client.get("index", f"{self.index}/{crawl}-index?{urlencode(params)}")
        if answer.status == 404 and b"no captures found" in answer.body.lower():
            return None
        if answer.status != 200:
            raise ArchiveError(f"Common Crawl index {crawl} answered HTTP {answer.status}")
        return answer.body

    def fetch(self, capture: Capture) -> Memento | Skip:
        name = capture.filename
        if "://" in name or name.startswith("/") or ".." in name.split("/") or capture.length <= 0:
            return Skip("error", capture.captured_at)
        end = capture.offset + capture.length - 1
        answer = self.client.get("data", f"{self.data}/{name}", {"Range": f"bytes={capture.offset}-{end}"})
        if answer.status == 200:
            raise ArchiveError(f"Common Crawl data server ignored the Range header for {name}")
        if answer.status != 206 or answer.too_large:
            return Skip("too_large" if answer.too_large else "error", capture.captured_at)
        return self._record(answer.body, capture)

    def _record(self, member: bytes, capture: Capture) -> Memento | Skip:
        try:
            record = next(iter(ArchiveIterator(BytesIO(member))))
            if record.rec_type != "response" or record.http_headers is None:
                return Skip(record.rec_type or "not_response", capture.captured_at)
            status = int(record.http_headers.get_statuscode())
            body = record.content_stream().read()
        except (StopIteration, ArchiveLoadFailed, ValueError, OSError):
            return Skip("damaged", capture.captured_at)
        captured = parse_datetime(record.rec_headers.get_header("WARC-Date") or "") or capture.captured_at
        if 300 <= status < 400:
            return Skip("redirect", captured)
        memento = Memento(
            url=record.rec_headers.get_header("WARC-Target-URI") or capture.url,
            captured_at=captured,
            status=status,
            headers=[(k, v) for k, v in record.http_headers.headers if k.lower() not in _DROPPED],
            body=body,
            provenance={
                "WARC-Defcorpus-Archive": "commoncrawl",
                "WARC-Defcorpus-Crawl": capture.crawl,
                "WARC-Defcorpus-CC-File": capture.filename,
                "WARC-Defcorpus-CC-Offset": str(capture.offset),
                "WARC-Defcorpus-CC-Length": str(capture.length),
                "WARC-Defcorpus-Captured": format_timestamp(captured),
                "WARC-Defcorpus-Source-Record-ID": record.rec_headers.get_header("WARC-Record-ID") or "",
            },
        )
        return judge(memento) or memento

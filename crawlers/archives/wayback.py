"""The Internet Archive's Wayback Machine: CDX server for discovery, raw mementos for the pages.

Discovery: ``/cdx/search/cdx?url=<host>&matchType=host`` (``prefix`` when the site lives under a
path) with ``from``/``to`` (capture times, ``to`` inclusive), ``filter=statuscode:200`` and
``filter=mimetype:text/html``, ``output=json``, ``limit`` rows a page and ``showResumeKey=true``: the
rows end with ``[]`` and ``[<resumeKey>]`` when more follow, and ``resumeKey=`` asks for them. For the
earliest capture ``collapse=digest`` folds runs of identical captures into their first.

Fetch: ``/web/<timestamp>id_/<url>`` answers the original bytes without the archive's toolbar or
rewriting, with the original headers as ``X-Archive-Orig-*`` and the capture time as
``Memento-Datetime``. A memento may redirect to another timestamp of the same URL (followed, within
the archive only) or replay the page's own redirect to another URL (skipped: ``redirect``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from corpus.dates import parse_http_date
from crawlers.archives.captures import Capture, Memento, Page, Skip, format_timestamp, parse_timestamp, same_article
from crawlers.archives.client import ArchiveClient, ArchiveError
from crawlers.archives.judge import judge
from crawlers.archives.settings import ArchiveSettings
from crawlers.sites import SiteConfig
from crawlers.window import Window

FIELDS = "urlkey,timestamp,original,digest"
MAX_HOPS = 5
_MEMENTO = re.compile(r"/web/(\d{1,14})id_/(.+)$")
_DROPPED = {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}


def archive_client(settings: ArchiveSettings) -> ArchiveClient:
    return ArchiveClient(
        settings, {"cdx": settings.wayback_cdx_per_minute, "memento": settings.wayback_memento_per_minute}
    )


def queries(site: SiteConfig) -> list[tuple[str, str]]:
    """(url, matchType) per domain of the site: the host, or its path prefix when base_url has one."""
    path = urlsplit(site.base_url).path.strip("/")
    hosts = dict.fromkeys(d.lower().removeprefix("www.") for d in site.allowed_domains)
    if path:
        return [(f"{host}/{path}/", "prefix") for host in hosts]
    return [(host, "host") for host in hosts]


class WaybackSource:
    archive = "wayback"

    def __init__(
        self, client: ArchiveClient, settings: ArchiveSettings, site: SiteConfig, window: Window, capture: str
    ):
        assert window.since and window.until
        self.client, self.settings, self.site, self.window, self.capture = client, settings, site, window, capture
        self.base = settings.wayback_url.rstrip("/")

    def pages(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        cursor = cursor or {"query": 0, "resume_key": None}
        plan = queries(self.site)
        for number, (url, match) in enumerate(plan):
            if number < cursor["query"]:
                continue
            key = cursor["resume_key"] if number == cursor["query"] else None
            while True:
                captures, next_key = self._page(url, match, key)
                following: dict[str, Any] | None = {"query": number, "resume_key": next_key}
                if not next_key:
                    following = {"query": number + 1, "resume_key": None} if number + 1 < len(plan) else None
                yield Page({"query": number, "resume_key": key}, captures, following)
                if not next_key:
                    break
                key = next_key

    def _page(self, url: str, match: str, resume_key: str | None) -> tuple[list[Capture], str | None]:
        assert self.window.since and self.window.until
        params: list[tuple[str, str]] = [
            ("url", url),
            ("matchType", match),
            ("from", format_timestamp(self.window.since)),
            ("to", format_timestamp(self.window.until - timedelta(seconds=1))),
            ("filter", "statuscode:200"),
            ("filter", "mimetype:text/html"),
            ("output", "json"),
            ("fl", FIELDS),
            ("limit", str(self.settings.page_rows)),
            ("showResumeKey", "true"),
        ]
        if self.capture == "earliest":
            params.append(("collapse", "digest"))
        if resume_key:
            params.append(("resumeKey", resume_key))
        answer = self.client.get("cdx", f"{self.base}/cdx/search/cdx?{urlencode(params)}")
        if answer.status != 200:
            detail = answer.body[:200].decode("utf-8", "replace").strip().splitlines()
            raise ArchiveError(f"Wayback CDX server answered HTTP {answer.status} for {url}: {' '.join(detail)[:160]}")
        return parse_cdx_json(answer.body)

    def fetch(self, capture: Capture) -> Memento | Skip:
        url = f"{self.base}/web/{capture.timestamp}id_/{capture.url}"
        for _ in range(MAX_HOPS + 1):
            answer = self.client.get("memento", url)
            if answer.too_large:
                return Skip("too_large", capture.captured_at)
            if answer.status in (301, 302, 303, 307, 308):
                target = self._memento_target(urljoin(url, answer.headers.get("location", "")))
                if target is None or not same_article(target[1], capture.url):
                    return Skip("redirect", capture.captured_at)
                url = f"{self.base}/web/{target[0]}id_/{target[1]}"
                continue
            memento = self._memento(answer.status, answer.headers, answer.body, url, capture)
            return judge(memento) or memento
        return Skip("redirect", capture.captured_at)

    def _memento_target(self, location: str) -> tuple[str, str] | None:
        """(timestamp, original URL) of a memento URL of this archive; None for anything else."""
        if not location.startswith(self.base + "/web/"):
            return None
        match = _MEMENTO.search(location[len(self.base) :])
        return (match[1], match[2]) if match else None

    def _memento(self, status: int, headers: dict[str, str] | Any, body: bytes, url: str, capture: Capture) -> Memento:
        target = self._memento_target(url)
        captured = parse_timestamp(target[0] if target else capture.timestamp)
        stamp = headers.get("memento-datetime")
        captured = parse_http_date(stamp) or captured
        original = [
            (name[len("x-archive-orig-") :], value)
            for name, value in headers.items()
            if name.startswith("x-archive-orig-") and name[len("x-archive-orig-") :] not in _DROPPED
        ]
        if not any(name == "content-type" for name, _ in original) and "content-type" in headers:
            original.append(("content-type", headers["content-type"]))
        return Memento(
            url=target[1] if target else capture.url,
            captured_at=captured,
            status=status,
            headers=original,
            body=body,
            provenance={
                "WARC-Defcorpus-Archive": "wayback",
                "WARC-Defcorpus-Memento": url,
                "WARC-Defcorpus-Captured": format_timestamp(captured),
            },
        )


def parse_cdx_json(body: bytes) -> tuple[list[Capture], str | None]:
    """Rows of ``output=json`` (a header row first, then ``[]`` and ``[resumeKey]`` if more follow)."""
    try:
        rows = json.loads(body) if body.strip() else []
    except ValueError:
        raise ArchiveError("Wayback CDX server answered something that is not JSON") from None
    if not isinstance(rows, list) or not rows:
        return [], None
    resume_key = None
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        resume_key, rows = rows[-1][0], rows[:-2]
    header, data = rows[0], rows[1:]
    try:
        at = {name: header.index(name) for name in FIELDS.split(",")}
        captures = [
            Capture(
                urlkey=row[at["urlkey"]],
                timestamp=row[at["timestamp"]],
                url=row[at["original"]],
                digest=row[at["digest"]],
            )
            for row in data
            if row
        ]
    except (ValueError, IndexError, TypeError):
        raise ArchiveError("Wayback CDX server answered rows without the fields asked for") from None
    return captures, resume_key

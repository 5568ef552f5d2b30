"""What both archives give: captures (index rows), pages of them, and what fetching one gave.

An archive's index is sorted by ``urlkey`` (SURT: host reversed, without scheme or ``www.``), then by
capture time, so the captures of one URL arrive together, perhaps split across two pages. An article
is its urlkey without the query string: ``?utm_source=…`` captures are the same article, and the site's
article rules judge the path alone, as in a live crawl.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from crawlers.sites import SiteConfig


@dataclass(frozen=True)
class Capture:
    urlkey: str
    timestamp: str  # YYYYMMDDhhmmss, UTC
    url: str  # the original URL as captured
    digest: str = ""
    filename: str = ""  # Common Crawl: the WARC file holding the record
    offset: int = 0
    length: int = 0
    crawl: str = ""  # Common Crawl: the crawl whose index listed it

    @property
    def article(self) -> str:
        return self.urlkey.split("?", 1)[0]

    @property
    def captured_at(self) -> datetime:
        return parse_timestamp(self.timestamp)


@dataclass(frozen=True)
class Page:
    """One index page; ``position`` is the cursor that reads this page again, ``following`` the one that
    reads the page after it (None: the last page), known before that page is asked for."""

    position: dict[str, Any]
    captures: list[Capture]
    following: dict[str, Any] | None = None


@dataclass(frozen=True)
class Memento:
    """A capture fetched: the original response as the archive holds it, and where it came from."""

    url: str  # the original URL (WARC-Target-URI)
    captured_at: datetime
    status: int
    headers: list[tuple[str, str]]  # the original response's headers
    body: bytes
    provenance: dict[str, str] = field(default_factory=dict)  # WARC-Defcorpus-* headers


@dataclass(frozen=True)
class Skip:
    """A capture that is not the article: redirect, error, soft_404, challenge, empty, not_html…"""

    reason: str
    captured_at: datetime | None = None


class Source(Protocol):
    """An archive as the backfill sees it: pages of captures from a cursor, and each capture's fetch."""

    archive: str

    def pages(self, cursor: dict[str, Any] | None) -> Iterator[Page]: ...

    def fetch(self, capture: Capture) -> Memento | Skip: ...


def parse_timestamp(timestamp: str) -> datetime:
    return datetime.strptime(timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def format_timestamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def same_article(url: str, other: str) -> bool:
    """Two original URLs of one article: host without ``www.``, path without trailing slash, no query."""

    def key(u: str) -> tuple[str, str]:
        parts = urlsplit(u)
        return (parts.hostname or "").removeprefix("www."), parts.path.rstrip("/") or "/"

    return key(url) == key(other)


def on_site(site: SiteConfig, url: str) -> bool:
    """An article URL of the site: one of its domains (or a subdomain, ``www.``), and its article rules."""
    host = (urlsplit(url).hostname or "").lower()
    domains = [d.lower().removeprefix("www.") for d in site.allowed_domains]
    ours = any(host.removeprefix("www.") == d or host.endswith("." + d) for d in domains)
    return ours and site.is_article_url(url)


CARRY = "carry"  # in a cursor: captures of an article from pages before the one it reads again


def grouped(pages: Iterable[Page]) -> Iterator[tuple[dict[str, Any], list[Capture]]]:
    """The captures of each article, with the cursor that gives them again: the page read last
    (where the next article starts), carrying the article's captures from the pages before it.

    Why: the last article of a page is known whole only once the next page is read. A cursor of the
    page it starts on would read that page again after a restart; this one reads again only the
    page that was being read, and an article split across two pages is still never cut in half.

    When a page is read through, and before the next one is asked for, it yields that page's cursor
    with no captures (every article before the one it carries has been yielded): the caller makes it
    durable then, so a stop while the next page is being read reads again only that page.
    """
    current: list[Capture] = []
    carried: list[Capture] = []
    position: dict[str, Any] = {}
    for page in pages:
        carried, position = list(current), page.position
        for capture in page.captures:
            if current and capture.article != current[0].article:
                yield resume_at(position, carried), current
                current, carried = [], []
            current.append(capture)
        if page.following is not None:
            yield resume_at(page.following, current), []
    if current:
        yield resume_at(position, carried), current


def resume_at(position: dict[str, Any], carried: list[Capture]) -> dict[str, Any]:
    """``position`` (a page's) with the captures to put before that page's when read again."""
    page = page_of(position)
    return {**page, CARRY: [asdict(c) for c in carried]} if carried else page


def page_of(cursor: dict[str, Any]) -> dict[str, Any]:
    """The page a cursor reads again, without what it carries (what a source is asked for)."""
    return {k: v for k, v in cursor.items() if k != CARRY}


def with_carried(cursor: dict[str, Any] | None, pages: Iterable[Page]) -> Iterator[Page]:
    """``pages`` read from ``cursor``, after the captures the cursor carries (as one page of its own)."""
    carried = [Capture(**c) for c in (cursor or {}).get(CARRY, [])]
    if carried and cursor is not None:
        yield Page(cursor, carried)
    yield from pages

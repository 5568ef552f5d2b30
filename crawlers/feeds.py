"""RSS and Atom feeds, read by feedparser from bytes we fetched: one reader for the crawl and onboarding.

Why feedparser: it knows RSS 0.9x/1.0/2.0 and Atom 0.3/1.0, their namespaces and their broken
variants, which a handful of XPaths does not. It is never given a URL or a path, only a stream of
the bytes the crawl already fetched (and stored as WARC): given a string it would fetch it itself,
and given bytes it would first try them as a file name.
"""

from __future__ import annotations

import calendar
import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from corpus.dates import parse_datetime


@dataclass(frozen=True)
class FeedItem:
    """One item: its absolute link, when it was published, and (Atom ``updated``) when it last changed."""

    url: str
    published: datetime | None = None
    updated: datetime | None = None


def is_feed(body: bytes) -> bool:
    """Whether ``body`` looks like RSS or Atom at all (a cheap check before parsing)."""
    head = body[:2048].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def feed_items(body: bytes, base_url: str) -> list[FeedItem]:
    """The items of an RSS or Atom feed, in feed order; links resolved against ``base_url``.

    RSS has no "last changed" of its own: a ``dc:date`` there (which feedparser files under
    ``updated``) is the item's date, as publishers use it.
    """
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": base_url})
    rss = str(parsed.get("version", "")).startswith("rss")
    items: list[FeedItem] = []
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if not link:
            continue
        published = _date(entry, "published")
        # `"updated" in entry`, not entry.get: feedparser would fall back to `published`, with a warning.
        updated = _date(entry, "updated") if "updated" in entry else None
        if rss and published is None:
            published, updated = updated, None
        items.append(FeedItem(urljoin(base_url, link), published, updated))
    return items


def _date(entry: Any, name: str) -> datetime | None:
    """Our reading of the date as written; feedparser's own (UTC) for the odd formats ours refuses."""
    found = parse_datetime(entry.get(name))
    if found is None and isinstance(stamp := entry.get(f"{name}_parsed"), time.struct_time):
        found = datetime.fromtimestamp(calendar.timegm(stamp), UTC)
    return found

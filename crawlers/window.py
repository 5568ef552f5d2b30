"""The crawl window: which publication dates a run asks for.

A bounded window (``since`` and ``until``) is how backfills and scheduled runs ask for "this interval
only". Consecutive windows must share out a site's articles, each to one window, whatever was edited
when, so only publication dates decide: a news sitemap's ``<news:publication_date>``, a feed item's
``pubDate`` (Atom ``published``) and ``/YYYY/MM/`` in the URL. A sitemap ``<lastmod>`` (or Atom
``updated``) is when the page last changed: it proves only that the article was published by then,
so it rules out windows that start after it and nothing else. An article that discovery cannot place
is fetched, and its page's own date decides (``contains``); one with no date anywhere belongs to
every window that fetches it, because missing an article is worse than fetching one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from corpus.dates import next_month, parse_bound

_URL_MONTH = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/")

# Before the fetch: the article is published inside the window, outside it, or the page must tell.
Verdict = Literal["inside", "outside", "unknown"]


@dataclass(frozen=True)
class Window:
    """Half-open interval [since, until) of publication dates; either end may be open."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def from_strings(cls, since: str | None, until: str | None) -> Window:
        """A window that can hold a date; an empty or inverted one is a mistake, not "fetch nothing"."""
        window = cls(_bound(since), _bound(until))
        if window.since and window.until and window.since >= window.until:
            raise ValueError(f"since {since} is not before until {until}: the window [since, until) is empty")
        return window

    def contains(self, when: datetime | None) -> bool:
        if when is None:
            return True
        if self.since and when < self.since:
            return False
        return not (self.until and when >= self.until)

    def may_contain_updates_after(self, lastmod: datetime | None) -> bool:
        """A sitemap last modified before ``since`` holds nothing published inside the window."""
        return lastmod is None or self.since is None or lastmod >= self.since

    def judge(self, url: str, *, published: datetime | None = None, lastmod: datetime | None = None) -> Verdict:
        """Place an article before fetching it, from what discovery knows.

        ``published`` (news sitemap, feed) decides alone. Otherwise the URL's month and ``lastmod``
        bound the publication date: published in ``[first, after)`` of the month and no later than
        ``lastmod``. A window that holds the whole of that range gets the article, one that holds
        none of it does not; any other case is ``unknown``.
        """
        if published is not None:
            return "inside" if self.contains(published) else "outside"
        if self.since is None and self.until is None:
            return "inside"
        month = url_month(url)
        earliest = month[0] if month else None
        latest = month[1] if month else None  # exclusive
        if self.since and ((lastmod and lastmod < self.since) or (latest and latest <= self.since)):
            return "outside"
        if self.until and earliest and earliest >= self.until:
            return "outside"
        starts_inside = self.since is None or (earliest is not None and earliest >= self.since)
        ends_inside = (
            self.until is None
            or (lastmod is not None and lastmod < self.until)
            or (latest is not None and latest <= self.until)
        )
        return "inside" if starts_inside and ends_inside else "unknown"


def url_month(url: str) -> tuple[datetime, datetime] | None:
    """``/YYYY/MM/`` in a URL as [first day, first day of the next month), in UTC."""
    match = _URL_MONTH.search(url)
    if not match:
        return None
    first = datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)
    return first, next_month(first)


def _bound(value: str | None) -> datetime | None:
    return parse_bound(value) if value else None

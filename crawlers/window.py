"""The crawl window: which publication dates a run asks for.

A bounded window (``since`` and ``until``) is how backfills and scheduled runs ask for "this interval
only". Dates come from sitemap ``<lastmod>``, feed item dates and ``/YYYY/MM/`` in article URLs; an
item with no date is always inside the window, because missing an article is worse than fetching one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from corpus.dates import parse_datetime

_URL_MONTH = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/")


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

    def url_month_possible(self, url: str) -> bool:
        match = _URL_MONTH.search(url)
        if not match:
            return True
        first = datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)
        after = datetime(first.year + first.month // 12, first.month % 12 + 1, 1, tzinfo=UTC)
        if self.since and after <= self.since:
            return False
        return not (self.until and first >= self.until)


def _bound(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        except ValueError:
            raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD or ISO 8601)") from None
    return parsed

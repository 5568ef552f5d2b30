"""Every date the project reads goes through here: one set of rules, one function per kind of input.

- ``parse_iso8601``: our own stamps (WARC-Date, state files, leases, reader bounds): strict, raises.
- ``parse_http_date``: an HTTP-date (``Memento-Datetime``, ``If-Modified-Since``; RFC 9110, with RFC
  2822's older forms, through ``email.utils``); ``parse_retry_after`` for ``Retry-After`` (the crawl's
  backoff and the archive client).
- ``parse_datetime``: whatever a publisher writes (structured data, sitemaps, feeds): ISO 8601, else
  RFC 2822; None for anything else. ``parse_timestamp`` is the same but keeps a naive value naive, for
  callers that must know whether the page stated an offset.
- ``parse_bound``: a window bound a person types (CLI, crawl child): a day or an ISO 8601 date and time.

A value without an offset means UTC everywhere (``as_utc``): our stamps are written in UTC, and a
publisher that states no offset gives us nothing better to assume.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def as_utc(value: datetime) -> datetime:
    """``value`` with UTC attached when it has no offset; an aware value is returned as it is."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_iso8601(value: str) -> datetime:
    """An ISO 8601 date or date and time; naive means UTC. Raises ValueError on anything else."""
    return as_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP-date (``Sun, 06 Nov 1994 08:49:37 GMT``) and the older RFC 850/asctime/2822 forms; None if bad."""
    if not value:
        return None
    try:
        return as_utc(parsedate_to_datetime(value.strip()))
    except (TypeError, ValueError, IndexError):
        return None


def parse_retry_after(value: bytes | str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP-date; None if absent or bad."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    when = parse_http_date(text)
    return None if when is None else max((when - now).total_seconds(), 0.0)


def parse_timestamp(value: str | None) -> datetime | None:
    """ISO 8601 (structured data, sitemaps, Atom), else RFC 2822 (RSS, some CMSs); a naive value stays naive."""
    if not value or not (value := value.strip()):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            return parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None


def parse_datetime(value: str | None) -> datetime | None:
    """A publisher's date as ``parse_timestamp`` reads it, naive meaning UTC; None if it is no date."""
    parsed = parse_timestamp(value)
    return as_utc(parsed) if parsed else None


_DAY_FIRST = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].+)?")


def parse_bound(value: str) -> datetime:
    """A window bound a person types: YYYY-MM-DD, or an ISO 8601 date and time; naive means UTC.

    Why stricter than ``parse_datetime``: ``12/01/2022`` (which month?) or ``2022-12`` (which day?)
    must be refused, not read one way or silently matched against nothing.
    """
    if _DAY_FIRST.fullmatch(value.strip()):
        try:
            return parse_iso8601(value)
        except ValueError:
            pass
    raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD, e.g. 2022-12-01, or an ISO 8601 date and time)")


def next_month(first: datetime) -> datetime:
    """The first day of the month after ``first``'s (time and offset kept)."""
    return first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1, day=1)

"""Dates as publishers write them: one parser for the crawl window and for article metadata."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_datetime(value: str | None) -> datetime | None:
    """ISO 8601 (structured data, sitemaps, Atom), else RFC 2822 (RSS, some CMSs); naive means UTC."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_DAY_FIRST = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].+)?")


def parse_bound(value: str) -> datetime:
    """A window bound a person types: YYYY-MM-DD, or an ISO 8601 date and time; naive means UTC.

    Why stricter than ``parse_datetime``: ``12/01/2022`` (which month?) or ``2022-12`` (which day?)
    must be refused, not read one way or silently matched against nothing.
    """
    parsed = None
    if _DAY_FIRST.fullmatch(value.strip()):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD, e.g. 2022-12-01, or an ISO 8601 date and time)")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

"""The one date module: each kind of input has its own function, and they agree on what "no offset" means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from corpus.dates import (
    as_utc,
    next_month,
    parse_bound,
    parse_datetime,
    parse_http_date,
    parse_iso8601,
    parse_timestamp,
)

PARIS = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 12, tzinfo=PARIS)),
        ("2024-05-01 10:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),  # naive: UTC
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("Wed, 01 May 2024 10:00:00 GMT", datetime(2024, 5, 1, 10, tzinfo=UTC)),  # RSS pubDate
        ("Wed, 01 May 2024 12:00:00 +0200", datetime(2024, 5, 1, 12, tzinfo=PARIS)),
        ("last tuesday", None),
        ("  ", None),
        (None, None),
    ],
)
def test_publisher_dates(text: str | None, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


def test_timestamp_keeps_a_missing_offset_visible() -> None:
    """Cleaning must know whether the page stated an offset; only then does it trust the hour."""
    assert parse_timestamp("2024-05-01T10:00:00") == datetime(2024, 5, 1, 10)
    assert parse_timestamp("2024-05-01T10:00:00+02:00") == datetime(2024, 5, 1, 10, tzinfo=PARIS)


def test_iso8601_is_strict() -> None:
    assert parse_iso8601("2024-05-01T10:00:00Z") == datetime(2024, 5, 1, 10, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_iso8601("Wed, 01 May 2024 10:00:00 GMT")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sun, 06 Nov 1994 08:49:37 GMT", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),  # RFC 9110 IMF-fixdate
        ("Sunday, 06-Nov-94 08:49:37 GMT", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),  # obsolete RFC 850
        ("Sun Nov  6 08:49:37 1994", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),  # asctime
        ("120", None),  # Retry-After's delta-seconds are not a date
        ("2024-05-01", None),
        ("", None),
    ],
)
def test_http_dates(text: str, expected: datetime | None) -> None:
    assert parse_http_date(text) == expected


def test_bounds_refuse_what_a_person_could_mean_two_ways() -> None:
    assert parse_bound("2022-12-01") == datetime(2022, 12, 1, tzinfo=UTC)
    assert parse_bound("2022-12-01T06:00:00+02:00") == datetime(2022, 12, 1, 6, tzinfo=PARIS)
    for text in ("12/01/2022", "2022-12", "Thu, 01 Dec 2022 00:00:00 GMT", "2022-13-01"):
        with pytest.raises(ValueError, match="not a date"):
            parse_bound(text)


def test_helpers() -> None:
    assert as_utc(datetime(2024, 5, 1)) == datetime(2024, 5, 1, tzinfo=UTC)
    assert as_utc(datetime(2024, 5, 1, tzinfo=PARIS)).tzinfo is PARIS
    assert next_month(datetime(2024, 12, 1, tzinfo=UTC)) == datetime(2025, 1, 1, tzinfo=UTC)
    assert next_month(datetime(2024, 1, 31, tzinfo=UTC)) == datetime(2024, 2, 1, tzinfo=UTC)

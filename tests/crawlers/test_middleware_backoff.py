"""BackoffMiddleware in isolation: Retry-After parsing, the wait it imposes, settings validation."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawlers.middlewares.backoff import BackoffMiddleware, parse_retry_after

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
SETTINGS = {
    "DEFCORPUS_BACKOFF_ENABLED": True,
    "DEFCORPUS_BACKOFF_BASE": 2.0,
    "DEFCORPUS_BACKOFF_MAX": 30.0,
    "DEFCORPUS_RETRY_AFTER_MAX": 60.0,
}


def middleware(**overrides: object) -> BackoffMiddleware:
    crawler = get_crawler(settings_dict={**SETTINGS, **overrides})
    return build_from_crawler(BackoffMiddleware, crawler)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (b"120", 120.0),
        ("0", 0.0),
        (b"Wed, 01 Jan 2025 12:00:30 GMT", 30.0),
        (b"Wed, 01 Jan 2025 11:00:00 GMT", 0.0),  # a date in the past: retry now
        (b"soon", None),
        (None, None),
        (b"", None),
    ],
)
def test_parse_retry_after(value: bytes | str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize("attempt", [1, 2, 3, 6])
def test_retried_request_waits_exponentially_capped(attempt: int) -> None:
    mw = middleware()
    wait = mw.wait_for(Request("https://example.com/a", meta={"retry_times": attempt}), now=0.0)
    step = min(2.0 * 2 ** (attempt - 1), 30.0)
    assert step / 2 <= wait <= step


def test_first_attempt_does_not_wait() -> None:
    assert middleware().wait_for(Request("https://example.com/a"), now=0.0) == 0.0


def test_retry_after_pauses_the_whole_host_capped() -> None:
    mw = middleware()
    request = Request("https://example.com/a")
    mw.process_response(request, Response(request.url, status=429, headers={"Retry-After": "3600"}), None)
    other = Request("https://example.com/b")
    assert 59 < mw.wait_for(other, now=time.monotonic()) <= 60.0
    assert mw.wait_for(Request("https://other.example.org/"), now=0.0) == 0.0


def test_retry_after_ignored_on_other_statuses() -> None:
    mw = middleware()
    request = Request("https://example.com/a")
    mw.process_response(request, Response(request.url, status=500, headers={"Retry-After": "30"}), None)
    assert mw.paused_until == {}


def test_meta_opt_out() -> None:
    mw = middleware()
    assert mw.wait_for(Request("https://e.com/", meta={"retry_times": 3, "defcorpus_no_backoff": True}), 0.0) == 0


@pytest.mark.parametrize(
    "overrides",
    [{"DEFCORPUS_BACKOFF_ENABLED": False}, {"DEFCORPUS_BACKOFF_BASE": -1}, {"DEFCORPUS_BACKOFF_MAX": 1.0}],
)
def test_not_configured(overrides: dict[str, object]) -> None:
    with pytest.raises(NotConfigured):
        middleware(**overrides)

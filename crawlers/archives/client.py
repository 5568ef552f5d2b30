"""HTTP to the archives: one request at a time, each kind of request at its own rate, backing off.

Why by hand (urllib3, no Scrapy): a backfill is strictly sequential against one host per archive at
about one request a second, each CDX page's request depends on the previous answer (its resumeKey),
and a memento's redirects must stay inside the archive. A synchronous loop keeps the order of
"fetch, write, flush, save the cursor" exact and runs in the caller's process (an Airflow task, the
CLI), without a Twisted reactor. The rate is a minimum interval per kind of request (CDX, memento,
CC index, CC data), held across retries; 429 and 5xx answers and connection errors are retried
after ``Retry-After`` (seconds or an HTTP date) or an exponential backoff, up to the retry limit.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import urllib3

from crawlers.archives.settings import ArchiveSettings

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 522, 524})


class ArchiveError(RuntimeError):
    """The archive could not be used (down, refusing us, answering nonsense): one line for the user."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    too_large: bool = False


class RateLimiter:
    """At most ``per_minute`` requests a minute: a minimum interval between the starts of two requests."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 60.0 / per_minute
        self.clock = clock
        self.next_at = 0.0

    def wait(self) -> None:
        now = self.clock()
        if now < self.next_at:
            time.sleep(self.next_at - now)
            now = self.clock()
        self.next_at = now + self.interval

    def hold(self, seconds: float) -> None:
        """No request of this kind before ``seconds`` from now (a Retry-After)."""
        self.next_at = max(self.next_at, self.clock() + seconds)


class ArchiveClient:
    def __init__(self, settings: ArchiveSettings, rates: Mapping[str, float]) -> None:
        self.settings = settings
        self.limiters = {kind: RateLimiter(per_minute) for kind, per_minute in rates.items()}
        self.requests: Counter[str] = Counter()  # kind -> requests sent (retries included)
        self.retried: Counter[str] = Counter()  # kind -> retries
        self.pool = urllib3.PoolManager(
            retries=False,
            timeout=urllib3.Timeout(connect=min(10.0, settings.timeout), read=settings.timeout),
            headers={"User-Agent": settings.user_agent},
        )

    def get(self, kind: str, url: str, headers: Mapping[str, str] | None = None) -> Answer:
        """One answer that is neither a 429 nor a 5xx, after retries; ``ArchiveError`` if none came."""
        limiter = self.limiters[kind]
        last = ""
        for attempt in range(self.settings.retries + 1):
            limiter.wait()
            self.requests[kind] += 1
            try:
                answer = self._send(url, headers)
            except urllib3.exceptions.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                delay = self._backoff(attempt)
            else:
                if answer.status not in RETRY_STATUSES:
                    return answer
                last = f"HTTP {answer.status}"
                delay = retry_after(answer.headers.get("retry-after")) or self._backoff(attempt)
            if attempt == self.settings.retries:
                break
            delay = min(delay, self.settings.max_backoff)
            self.retried[kind] += 1
            logger.warning("%s answered %s; again in %.1f s", _short(url), last, delay)
            limiter.hold(delay)
        raise ArchiveError(f"{_short(url)}: {last} after {self.settings.retries + 1} tries")

    def _send(self, url: str, headers: Mapping[str, str] | None) -> Answer:
        response = self.pool.request("GET", url, headers=dict(headers or {}), redirect=False, preload_content=False)
        too_large = False
        try:
            body = response.read(self.settings.max_bytes + 1, decode_content=True)
            too_large = len(body) > self.settings.max_bytes
        finally:
            if too_large:  # the rest is never read: drop the connection rather than drain it
                response.close()
            else:
                response.release_conn()
        return Answer(
            status=response.status,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=body[: self.settings.max_bytes],
            url=url,
            too_large=too_large,
        )

    def _backoff(self, attempt: int) -> float:
        return self.settings.backoff_base * 2**attempt

    def close(self) -> None:
        self.pool.clear()


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _short(url: str) -> str:
    return url if len(url) <= 160 else url[:157] + "..."

"""A lease on a site's cleaning: one writer at a time, held in the store itself.

S3 is the only state workers share, so the lease is an object created with a create-only write;
it names its holder and expires, so a worker that died does not block the site forever.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from corpus import layout
from corpus.errors import KeyExistsError, KeyNotFoundError, StoreError
from corpus.store import Store

logger = logging.getLogger(__name__)
DEFAULT_TTL = timedelta(hours=2)


class LeaseHeldError(StoreError):
    """Another worker is cleaning this site; try again when it is done."""


@dataclass(frozen=True)
class Lease:
    key: str
    holder: str
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def clean_lease(
    store: Store, site: str, *, ttl: timedelta = DEFAULT_TTL, clock: Callable[[], datetime] = _now
) -> Iterator[Lease]:
    """Hold the site's clean lease for the ``with`` block; ``LeaseHeldError`` if someone else does."""
    key = layout.clean_lease_key(site)
    now = clock()
    lease = Lease(key, f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}", now + ttl)
    body = json.dumps({"holder": lease.holder, "acquired_at": now.isoformat(),
                       "expires_at": lease.expires_at.isoformat()}).encode()
    try:
        store.write(key, body, if_absent=True)
    except KeyExistsError:
        _take_over_if_expired(store, site, key, body, now)
    try:
        yield lease
    finally:
        _release(store, lease)


def _take_over_if_expired(store: Store, site: str, key: str, body: bytes, now: datetime) -> None:
    try:
        current = json.loads(store.read(key))
    except KeyNotFoundError:  # released between our write and read
        current = None
    if current is not None and datetime.fromisoformat(current["expires_at"]) > now:
        raise LeaseHeldError(
            f"site {site!r} is being cleaned by {current['holder']} since {current['acquired_at']} "
            f"(lease expires {current['expires_at']})"
        )
    if current is not None:
        logger.warning("taking over the expired clean lease of %s from %s", site, current["holder"])
        store.delete(key)
    try:
        store.write(key, body, if_absent=True)
    except KeyExistsError:
        raise LeaseHeldError(f"site {site!r}: another worker took the clean lease just now") from None


def _release(store: Store, lease: Lease) -> None:
    try:
        current = json.loads(store.read(lease.key))
    except KeyNotFoundError:
        return
    if current.get("holder") == lease.holder:
        store.delete(lease.key)

"""A lease on a site's cleaning (one writer at a time) or crawling (one crawl at a time), held in the store.

S3 is the only state workers share, so the lease is an object created with a create-only write;
it names its holder and expires, so a worker that died does not block the site forever. Taking over
an expired lease, and releasing one, are compare-and-swap operations on the version that was read
(``Store.replace`` / ``Store.delete(if_match=...)``: S3 conditional writes and deletes), so of two
workers taking over the same dead lease exactly one wins, and a holder whose lease expired and was
taken over never deletes its successor's. It also
records the holder's host, process id and process start time: a worker on the same host whose holder
process is gone (killed, OOM, machine rebooted) takes the lease over at once instead of waiting for
the expiry. A holder on another host can only be judged by the expiry. Hostnames must therefore be
unique per worker (they are for Kubernetes pods, Celery workers and separate machines).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from corpus import layout
from corpus.dates import parse_iso8601
from corpus.errors import (
    KeyChangedError,
    KeyExistsError,
    KeyNotFoundError,
    LeaseHeldError,
    LeaseLostError,
    StoreError,
)
from corpus.processes import boot_id as _boot_id
from corpus.processes import proc_stat as _proc_stat
from corpus.processes import process_start as _process_start
from corpus.store import Store

logger = logging.getLogger(__name__)
DEFAULT_TTL = timedelta(hours=2)
CRAWL_TTL = timedelta(minutes=30)  # a crawl renews its lease as it runs, so a dead one blocks for less
_KEYS = {"clean": layout.clean_lease_key, "crawl": layout.crawl_lease_key}
_DOING = {"clean": "cleaned", "crawl": "crawled"}
_HELD: set[str] = set()  # holders of the leases this process holds right now
_HELD_LOCK = threading.Lock()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Lease:
    """A held lease. ``renew()`` before each publish: a holder that outlived its lease must not write."""

    key: str
    holder: str
    expires_at: datetime
    site: str
    activity: str
    store: Store = field(repr=False)
    ttl: timedelta
    clock: Callable[[], datetime] = field(repr=False)

    def renew(self, *, if_due: bool = False) -> None:
        """Push the expiry out by the TTL if the lease is still ours; ``LeaseLostError`` if it was taken over.

        Why: a worker that runs past its lease (a long backfill, a stalled store) may have been taken
        over by another; writing on would make two writers. What it already wrote stays; the rest is
        pending for the next run. ``if_due``: do nothing while more than half the TTL is left, as no
        one can have taken an unexpired lease (and hosts' clocks are closer than half a TTL), so a
        clean that checks before each publish costs no request until its lease is half spent.
        """
        if if_due and self.clock() < self.expires_at - self.ttl / 2:
            return
        lost = f"site {self.site!r}: this {self.activity}'s lease expired at {self.expires_at.isoformat()} and "
        try:
            raw, tag = self.store.read_tagged(self.key)
        except KeyNotFoundError:
            raise LeaseLostError(lost + "was removed; stopped before publishing more") from None
        current = json.loads(raw)
        if current.get("holder") != self.holder:
            raise LeaseLostError(lost + f"was taken over by {current.get('holder')}; stopped before publishing more")
        expires_at = self.clock() + self.ttl
        try:
            self.store.replace(
                self.key, json.dumps(current | {"expires_at": expires_at.isoformat()}).encode(), if_match=tag
            )
        except KeyChangedError:
            raise LeaseLostError(lost + "was taken over just now; stopped before publishing more") from None
        self.expires_at = expires_at


def clean_lease(
    store: Store, site: str, *, ttl: timedelta = DEFAULT_TTL, clock: Callable[[], datetime] = _now
) -> AbstractContextManager[Lease]:
    """Hold the site's clean lease for the ``with`` block; ``LeaseHeldError`` if someone else does."""
    return site_lease(store, site, "clean", ttl=ttl, clock=clock)


def crawl_lease(
    store: Store, site: str, *, ttl: timedelta = CRAWL_TTL, clock: Callable[[], datetime] = _now
) -> AbstractContextManager[Lease]:
    """Hold the site's crawl lease: two crawls of one site at once would double the load on its server."""
    return site_lease(store, site, "crawl", ttl=ttl, clock=clock)


@contextmanager
def site_lease(
    store: Store,
    site: str,
    activity: Literal["clean", "crawl"],
    *,
    ttl: timedelta = DEFAULT_TTL,
    clock: Callable[[], datetime] = _now,
) -> Iterator[Lease]:
    """Hold ``state/<site>/<activity>.lease`` for the ``with`` block; ``LeaseHeldError`` if someone else does."""
    key = _KEYS[activity](site)
    now = clock()
    host, pid = socket.gethostname(), os.getpid()
    holder = f"{host}:{pid}:{uuid.uuid4().hex[:8]}"
    lease = Lease(key, holder, now + ttl, site=site, activity=activity, store=store, ttl=ttl, clock=clock)
    body = json.dumps(
        {
            "holder": lease.holder,
            "acquired_at": now.isoformat(),
            "expires_at": lease.expires_at.isoformat(),
            "host": host,
            "pid": pid,
            "boot_id": _boot_id(),
            "started": _process_start(pid),
        }
    ).encode()
    try:
        store.write(key, body, if_absent=True)
    except KeyExistsError:
        _take_over_if_expired(store, lease, body, now)
    with _HELD_LOCK:
        _HELD.add(lease.holder)
    try:
        yield lease
    finally:
        with _HELD_LOCK:
            _HELD.discard(lease.holder)
        _release_or_warn(store, lease)


def _take_over_if_expired(store: Store, lease: Lease, body: bytes, now: datetime) -> None:
    site, key = lease.site, lease.key
    taken = LeaseHeldError(f"site {site!r}: another worker took the {lease.activity} lease just now")
    try:
        raw, tag = store.read_tagged(key)
    except KeyNotFoundError:  # released between our write and read: create it as usual
        try:
            store.write(key, body, if_absent=True)
        except KeyExistsError:
            raise taken from None
        return
    current = json.loads(raw)
    expired = parse_iso8601(current["expires_at"]) <= now
    if not expired and not holder_is_dead(current):
        raise LeaseHeldError(
            f"site {site!r} is being {_DOING[lease.activity]} by {current['holder']} since {current['acquired_at']} "
            f"(lease expires {current['expires_at']})"
        )
    why = "expired" if expired else "dead (its process is gone)"
    logger.warning("taking over the %s lease of %s from %s: holder %s", lease.activity, site, current["holder"], why)
    try:
        store.replace(key, body, if_match=tag)  # only if it is still the lease we judged
    except KeyChangedError:
        raise taken from None


def holder_is_dead(lease: dict[str, object]) -> bool:
    """True only when the holder ran on this host and its process is provably gone.

    Why these checks: a process id alone can be reused after a reboot or by another process, so the
    boot id and the process start time must match as well; a lease without them (older format, or
    another host) is never judged dead here, only by its expiry.
    """
    pid, started = lease.get("pid"), lease.get("started")
    if lease.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid() and lease.get("started") == _process_start(pid):
        with _HELD_LOCK:  # this process: left behind by an attempt whose release failed (store down)
            return lease.get("holder") not in _HELD
    boot_id = _boot_id()
    if boot_id is not None and lease.get("boot_id") not in (None, boot_id):
        return True  # this host rebooted since: every process of the holder is gone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by another user
    stat = _proc_stat(pid)
    if stat is None:
        return False
    state, start = stat
    return state == "Z" or (started is not None and start != started)  # a zombie, or the pid was reused


def _release_or_warn(store: Store, lease: Lease) -> None:
    """Release the lease; if the store fails now, say so and leave the lease to expire.

    Why not raise: the work inside the lease is done (or failed with its own error, which must not be
    masked by this one), and a lease left behind blocks no one for long: a run on this host takes it
    over at once (its holder is gone), another host after the expiry.
    """
    try:
        _release(store, lease)
    except StoreError as exc:
        logger.warning(
            "could not release the %s lease of %s (%s); it expires at %s, and a run on this host takes it over at once",
            lease.activity,
            lease.site,
            exc,
            lease.expires_at.isoformat(),
        )


def _release(store: Store, lease: Lease) -> None:
    """Delete the lease if it is still ours, and only that version of it (it may have expired and been taken)."""
    try:
        raw, tag = store.read_tagged(lease.key)
        if json.loads(raw).get("holder") == lease.holder:
            store.delete(lease.key, if_match=tag)
            return
    except KeyNotFoundError:
        return
    except KeyChangedError:
        if not store.exists(lease.key):
            return  # gone: our own delete landed and its retry found nothing
    logger.warning("the lease %s expired and was taken over before %s released it", lease.key, lease.holder)

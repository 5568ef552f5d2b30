"""A lease on a site's cleaning: one writer at a time, held in the store itself.

S3 is the only state workers share, so the lease is an object created with a create-only write;
it names its holder and expires, so a worker that died does not block the site forever. It also
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
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from corpus import layout
from corpus.errors import KeyExistsError, KeyNotFoundError, LeaseHeldError
from corpus.store import Store

logger = logging.getLogger(__name__)
DEFAULT_TTL = timedelta(hours=2)
_HELD: set[str] = set()  # holders of the leases this process holds right now
_HELD_LOCK = threading.Lock()


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
    host, pid = socket.gethostname(), os.getpid()
    lease = Lease(key, f"{host}:{pid}:{uuid.uuid4().hex[:8]}", now + ttl)
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
        _take_over_if_expired(store, site, key, body, now)
    with _HELD_LOCK:
        _HELD.add(lease.holder)
    try:
        yield lease
    finally:
        with _HELD_LOCK:
            _HELD.discard(lease.holder)
        _release(store, lease)


def _take_over_if_expired(store: Store, site: str, key: str, body: bytes, now: datetime) -> None:
    try:
        raw = store.read(key)
    except KeyNotFoundError:  # released between our write and read
        raw = None
    current = json.loads(raw) if raw is not None else None
    if current is not None:
        expired = datetime.fromisoformat(current["expires_at"]) <= now
        if not expired and not holder_is_dead(current):
            raise LeaseHeldError(
                f"site {site!r} is being cleaned by {current['holder']} since {current['acquired_at']} "
                f"(lease expires {current['expires_at']})"
            )
        why = "expired" if expired else "dead (its process is gone)"
        logger.warning("taking over the clean lease of %s from %s: holder %s", site, current["holder"], why)
        try:
            if store.read(key) != raw:  # someone took it over in the meantime: do not delete theirs
                raise LeaseHeldError(f"site {site!r}: another worker took the clean lease just now")
        except KeyNotFoundError:
            pass
        store.delete(key)
    try:
        store.write(key, body, if_absent=True)
    except KeyExistsError:
        raise LeaseHeldError(f"site {site!r}: another worker took the clean lease just now") from None


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


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _process_start(pid: int) -> int | None:
    stat = _proc_stat(pid)
    return stat[1] if stat else None


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """State and start time (clock ticks since boot) of ``pid`` from /proc (Linux); None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: fields after it follow the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0], int(fields[19])  # fields 3 and 22 of proc_pid_stat(5)


def _release(store: Store, lease: Lease) -> None:
    try:
        current = json.loads(store.read(lease.key))
    except KeyNotFoundError:
        return
    if current.get("holder") == lease.holder:
        store.delete(lease.key)

"""The clean lease: one writer per site, expiring, released only by its holder."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from corpus import layout
from corpus.lease import LeaseHeldError, LeaseLostError, clean_lease
from corpus.store import Store

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _lease_body(holder: str, expires_at: datetime) -> bytes:
    return json.dumps({"holder": holder, "acquired_at": T0.isoformat(), "expires_at": expires_at.isoformat()}).encode()


class _AfterRead:
    """The store, with ``then()`` run after each ``read_tagged``: a rival worker acting in that gap."""

    def __init__(self, store: Store, then: Callable[[], None]) -> None:
        self._store, self._then = store, then

    def read_tagged(self, key: str) -> tuple[bytes, str]:
        found = self._store.read_tagged(key)
        self._then()
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_second_worker_is_refused_with_holder_named(any_store: Store) -> None:
    with clean_lease(any_store, "minisite", clock=lambda: T0) as lease:
        with (
            pytest.raises(LeaseHeldError, match=f"being cleaned by {lease.holder}"),
            clean_lease(any_store, "minisite", clock=lambda: T0 + timedelta(minutes=5)),
        ):
            pass
        with clean_lease(any_store, "othersite", clock=lambda: T0):
            pass  # other sites are independent
    assert not any_store.exists(layout.clean_lease_key("minisite"))


def test_expired_lease_is_taken_over(any_store: Store) -> None:
    key = layout.clean_lease_key("minisite")
    any_store.write(
        key,
        json.dumps(
            {
                "holder": "dead-worker",
                "acquired_at": T0.isoformat(),
                "expires_at": (T0 + timedelta(hours=1)).isoformat(),
            }
        ).encode(),
    )
    with clean_lease(any_store, "minisite", clock=lambda: T0 + timedelta(hours=2)) as lease:
        assert json.loads(any_store.read(key))["holder"] == lease.holder
    assert not any_store.exists(key)


def test_release_never_deletes_another_holders_lease(any_store: Store) -> None:
    key = layout.clean_lease_key("minisite")
    with clean_lease(any_store, "minisite", ttl=timedelta(seconds=1), clock=lambda: T0):
        # our lease expired and another worker took over while we were still running
        any_store.delete(key)
        any_store.write(
            key,
            json.dumps(
                {
                    "holder": "newer-worker",
                    "acquired_at": T0.isoformat(),
                    "expires_at": (T0 + timedelta(hours=1)).isoformat(),
                }
            ).encode(),
        )
    assert json.loads(any_store.read(key))["holder"] == "newer-worker"


def test_two_workers_taking_over_one_expired_lease_one_wins(any_store: Store) -> None:
    """Both read the dead worker's lease before either writes; the compare-and-swap lets one through."""
    key = layout.clean_lease_key("minisite")
    any_store.write(key, _lease_body("dead-worker", T0 + timedelta(hours=1)))
    both_read = threading.Barrier(2, timeout=30)
    first_read = threading.local()

    def wait_for_the_rival_once() -> None:  # at the takeover's read, not at the release's
        if not getattr(first_read, "done", False):
            first_read.done = True
            both_read.wait()

    racing: Any = _AfterRead(any_store, wait_for_the_rival_once)
    held = threading.Barrier(2, timeout=30)  # the winner keeps the lease until the loser has lost

    def take_over(_: int) -> str:
        try:
            with clean_lease(racing, "minisite", clock=lambda: T0 + timedelta(hours=2)) as lease:
                held.wait()
                stored = json.loads(any_store.read(key))["holder"]
                return "won" if stored == lease.holder else f"won, but the store names {stored}"
        except LeaseHeldError as exc:
            held.wait()
            return str(exc)

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(take_over, range(2)))
    assert outcomes == ["site 'minisite': another worker took the clean lease just now", "won"]
    assert not any_store.exists(key)  # the winner released it


def test_release_after_a_takeover_in_the_gap_keeps_the_successors_lease(any_store: Store) -> None:
    """Our lease expired; a successor takes it over between our read and our delete."""
    key = layout.clean_lease_key("minisite")
    successor = _lease_body("newer-worker", T0 + timedelta(hours=3))

    def successor_takes_over() -> None:
        _, tag = any_store.read_tagged(key)
        any_store.replace(key, successor, if_match=tag)

    releasing: Any = _AfterRead(any_store, successor_takes_over)
    with clean_lease(releasing, "minisite", ttl=timedelta(seconds=1), clock=lambda: T0):
        pass
    assert any_store.read(key) == successor


def test_renew_pushes_the_expiry_out_while_the_lease_is_ours(any_store: Store) -> None:
    key = layout.clean_lease_key("minisite")
    now = [T0]
    with clean_lease(any_store, "minisite", ttl=timedelta(hours=2), clock=lambda: now[0]) as lease:
        now[0] = T0 + timedelta(hours=3)  # past the first expiry, but nobody took it over
        lease.renew()
        stored = json.loads(any_store.read(key))
        assert stored["holder"] == lease.holder
        assert stored["expires_at"] == (T0 + timedelta(hours=5)).isoformat() == lease.expires_at.isoformat()
        assert stored["acquired_at"] == T0.isoformat()
    assert not any_store.exists(key)


def test_a_holder_whose_lease_was_taken_over_cannot_renew_it(any_store: Store) -> None:
    key = layout.clean_lease_key("minisite")
    now = [T0]
    with clean_lease(any_store, "minisite", ttl=timedelta(hours=2), clock=lambda: now[0]) as lease:
        now[0] = T0 + timedelta(hours=3)
        with clean_lease(any_store, "minisite", clock=lambda: now[0]) as successor:
            with pytest.raises(LeaseLostError, match=f"taken over by {successor.holder}; stopped before publishing"):
                lease.renew()
            assert json.loads(any_store.read(key))["holder"] == successor.holder
        with pytest.raises(LeaseLostError, match="was removed"):
            lease.renew()
    assert not any_store.exists(key)

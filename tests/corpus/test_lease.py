"""The clean lease: one writer per site, expiring, released only by its holder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from corpus import layout
from corpus.lease import LeaseHeldError, clean_lease
from corpus.store import Store

T0 = datetime(2026, 1, 1, tzinfo=UTC)


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

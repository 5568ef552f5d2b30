"""When a clean lease's holder counts as dead: only on this host, only when provably gone."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from corpus import layout
from corpus.lease import LeaseHeldError, clean_lease, holder_is_dead
from corpus.store import LocalStore

pytestmark = pytest.mark.reliability

HOST = socket.gethostname()
NOW = datetime.now(UTC)


def _dead_pid() -> int:
    """A pid that existed a moment ago and is reaped now."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


def _start(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2 :].split()[19])


def _boot() -> str:
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()


@pytest.mark.parametrize(
    ("lease", "dead"),
    [
        ({"host": "another-host", "pid": 1}, False),  # other hosts: only the expiry decides
        ({"host": HOST}, False),  # an older lease without a pid
        ({"host": HOST, "pid": os.getppid()}, False),  # alive
        ({"host": HOST, "pid": os.getppid(), "started": _start(os.getppid()) + 1}, True),  # pid reused
        ({"host": HOST, "pid": os.getppid(), "boot_id": "an-earlier-boot"}, True),  # rebooted since
        ({"host": HOST, "pid": "12"}, False),  # malformed
    ],
)
def test_holder_is_dead(lease: dict[str, Any], dead: bool) -> None:
    assert holder_is_dead({"boot_id": _boot(), **lease}) is dead


def test_holder_whose_process_is_gone_is_dead() -> None:
    assert holder_is_dead({"host": HOST, "pid": _dead_pid(), "boot_id": _boot()})


def test_own_leftover_lease_is_taken_over_but_a_held_one_is_not(tmp_path: Path) -> None:
    """This process's lease whose release failed (the store was down) does not block its next attempt;
    a lease this process still holds does."""
    store = LocalStore(tmp_path / "store")
    key = layout.clean_lease_key("relsite")
    with clean_lease(store, "relsite") as lease:
        leftover = store.read(key)
        with pytest.raises(LeaseHeldError), clean_lease(store, "relsite"):
            pass
    assert json.loads(leftover)["holder"] == lease.holder
    store.write(key, leftover)  # as if the release had failed
    with clean_lease(store, "relsite") as again:
        assert again.holder != lease.holder
    assert not store.exists(key)


def test_unexpired_lease_of_another_host_still_blocks(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.write(
        layout.clean_lease_key("relsite"),
        json.dumps(
            {
                "holder": "elsewhere:1:x",
                "acquired_at": NOW.isoformat(),
                "expires_at": (NOW + timedelta(hours=1)).isoformat(),
                "host": "elsewhere",
                "pid": _dead_pid(),
            }
        ).encode(),
    )
    with pytest.raises(LeaseHeldError, match="being cleaned by elsewhere:1:x"), clean_lease(store, "relsite"):
        pass

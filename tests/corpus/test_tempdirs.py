"""Temporary directories left by killed processes are removed by the next one; those in use never."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.processes import process_start
from corpus.tempdirs import LEGACY_AGE_SECONDS, private_tempdir, sweep

PREFIX = "defcorpus-test-"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_only_the_directories_of_gone_processes_are_removed(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.2)
        dead = tmp_path / f"{PREFIX}{_dead_pid()}-123-abc"
        live = tmp_path / f"{PREFIX}{sleeper.pid}-{process_start(sleeper.pid)}-abc"
        reused = tmp_path / f"{PREFIX}{sleeper.pid}-1-abc"  # the pid now names another process
        own = tmp_path / f"{PREFIX}{os.getpid()}-1-abc"
        young_legacy, old_legacy = tmp_path / f"{PREFIX}k2j3h4", tmp_path / f"{PREFIX}p9q8r7"
        other = tmp_path / "someone-elses-dir"
        for path in (dead, live, reused, own, young_legacy, old_legacy, other):
            (path / "00000.warc.gz").parent.mkdir()
            (path / "00000.warc.gz").write_bytes(b"x")
        stale = time.time() - LEGACY_AGE_SECONDS - 60
        os.utime(old_legacy, (stale, stale))
        removed = sweep(PREFIX, str(tmp_path))
        assert sorted(removed) == sorted([dead, reused, old_legacy])
        assert all(p.exists() for p in (live, own, young_legacy, other))
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_private_tempdir_names_its_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    dead = tmp_path / f"{PREFIX}{_dead_pid()}-123-abc"
    dead.mkdir()
    with private_tempdir(PREFIX) as made:
        assert not dead.exists()
        assert Path(made).name.startswith(f"{PREFIX}{os.getpid()}-{process_start(os.getpid())}-")
        assert sweep(PREFIX) == []  # in use by this process

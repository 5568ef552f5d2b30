"""Local temporary directories that a killed process does not leave behind for good.

A crawl (``defcorpus-warc-``: the open WARC file) or a clean (``defcorpus-read-``: a copy of the WARC
file it reads) killed with SIGKILL cannot remove its temporary directory, and the next run makes a
new one: on a long-lived worker they pile up until the disk is full. Each directory is named after
its process (pid and start time), and a process making one first removes those of the same kind
whose process is gone. A directory whose owner still runs, or cannot be judged (another user's), is
never touched.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from corpus.processes import proc_stat, process_start

logger = logging.getLogger(__name__)

_NAMED = re.compile(r"(?P<pid>\d+)-(?P<started>\d+)-")
# A directory from before names carried their owner: left alone while its owner could still be
# writing to it (WARC files rotate within minutes, so a live owner touches it far more often).
LEGACY_AGE_SECONDS = 24 * 3600
_SWEPT: set[str] = set()


def private_tempdir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary directory named ``<prefix><pid>-<start>-…``; the first one of a process sweeps first."""
    if prefix not in _SWEPT:  # once per process: a clean reads many WARC files, each in its own directory
        _SWEPT.add(prefix)
        sweep(prefix)
    pid = os.getpid()
    return tempfile.TemporaryDirectory(prefix=f"{prefix}{pid}-{process_start(pid) or 0}-")


def sweep(prefix: str, directory: str | None = None) -> list[Path]:
    """Remove the ``prefix`` directories whose owner process is gone; returns what was removed."""
    removed = []
    base = Path(directory or tempfile.gettempdir())
    try:
        candidates = [p for p in base.iterdir() if p.name.startswith(prefix) and p.is_dir()]
    except OSError:
        return []
    for path in candidates:
        if _in_use(path, path.name[len(prefix) :]):
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            logger.info("removed %s, left by a process that is gone", path)
            removed.append(path)
    return removed


def _in_use(path: Path, rest: str) -> bool:
    named = _NAMED.match(rest)
    if named is None:
        try:
            return time.time() - path.stat().st_mtime < LEGACY_AGE_SECONDS
        except OSError:
            return True
    pid, started = int(named["pid"]), int(named["started"])
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    stat = proc_stat(pid)
    if stat is None:
        return True  # no /proc: the pid is alive, so it may be the owner
    state, start = stat
    return state != "Z" and (started == 0 or start == started)

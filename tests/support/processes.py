"""Stopping a child process that a test or a bench started, so that none outlives its run."""

from __future__ import annotations

import subprocess
from typing import Any


def stop(proc: subprocess.Popen[Any], timeout: float = 30) -> None:
    """SIGTERM first, so the child can close what it holds; SIGKILL if it has not gone within ``timeout``."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)

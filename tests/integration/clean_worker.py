"""``python -m tests.integration.clean_worker READY GATE -- <defcorpus arguments>``: the real ``defcorpus``
command line in a child process, started on a signal.

Why a gate: importing the CLI takes seconds, and cleaning the mini-site about one; two plain
``defcorpus clean`` processes would mostly run one after the other and never contend for the lease.
This child pays its imports first, touches READY, waits for GATE to exist, then runs the command
exactly as the console script does (``standalone_mode``: click prints errors and sets the exit code).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

GATE_TIMEOUT_S = 60.0


def main(argv: list[str]) -> None:
    ready, gate, sep, *args = argv
    if sep != "--":
        raise SystemExit("usage: python -m tests.integration.clean_worker READY GATE -- ARGS...")
    from defcorpus.cli import main as defcorpus  # the heavy part, before the gate

    Path(ready).touch()
    deadline = time.monotonic() + GATE_TIMEOUT_S
    while not Path(gate).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"gate {gate} never opened")
        time.sleep(0.005)
    defcorpus.main(args=args, prog_name="defcorpus", standalone_mode=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""What /proc says about a local process: whether a pid still names the process that wrote it down.

Used by the leases (is a holder on this host dead?) and by temporary directories (is their owner
gone?). A pid alone can be reused, so its start time (and the boot id) are recorded beside it.
"""

from __future__ import annotations

from pathlib import Path


def boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def process_start(pid: int) -> int | None:
    stat = proc_stat(pid)
    return stat[1] if stat else None


def proc_stat(pid: int) -> tuple[str, int] | None:
    """State and start time (clock ticks since boot) of ``pid`` from /proc (Linux); None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: fields after it follow the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0], int(fields[19])  # fields 3 and 22 of proc_pid_stat(5)

"""What every lab needs to stop exactly the processes it started, and to pick loopback ports."""

from __future__ import annotations

import socket
from pathlib import Path


def start_time(pid: int) -> int | None:
    """When `pid` started (clock ticks since boot), or None when it no longer runs.

    Recorded next to a PID, it tells a process the lab started from a later one that reuses the number.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields are counted after its closing one.
    fields = stat.rsplit(")", 1)[1].split()
    # A zombie has exited; whoever started it reaps it (or init does): it counts as stopped.
    return None if fields[0] in ("Z", "X") else int(fields[19])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

"""Watching processes a test started indirectly: did they start, are they gone."""

from __future__ import annotations

import time
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting to be reaped does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(path: Path, timeout: float = 60.0) -> list[int]:
    """The pids a process wrote into `path`, once it has."""
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"nothing was written to {path}"
        time.sleep(0.05)
    return [int(pid) for pid in path.read_text().split()]


def all_gone(pids: list[int], timeout: float = 5.0) -> bool:
    """Whether every pid has ended within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True

"""Running Python tools on a package in subprocesses that can always be ended.

Every tool runs as `python <args>` with `sys.executable`, in its own process group, so a
timeout or an interrupt (Ctrl-C) ends the tool and everything it started, never leaving a
process behind to write into a scratch folder that is being removed. What environment and
network the tools get is the sandbox's business (`sandbox.py`).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ToolRun", "excerpt", "run_tool"]

_MAX_LINES = 20
_MAX_CHARS = 2000
_GRACE_SECONDS = 5.0  # to collect the output of a killed tool


@dataclass(frozen=True)
class ToolRun:
    """What a tool did: its command line, exit status and output."""

    command: str
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """Whether the tool finished in time and exited 0."""
        return not self.timed_out and self.returncode == 0

    @property
    def output(self) -> str:
        """Standard output followed by standard error."""
        return "\n".join(part for part in (self.stdout.strip(), self.stderr.strip()) if part)

    def describe(self) -> str:
        """`$ command` and how it ended, the trace line every tool evidence starts with."""
        if self.timed_out:
            return f"$ {self.command}  (timed out)"
        return f"$ {self.command}  (exit {self.returncode})"


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    """Kill `child` and every process left in its group (the tool's own children)."""
    if sys.platform != "win32":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
    child.kill()  # does nothing once the child has been waited for


def run_tool(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    wrapper: Sequence[str] = (),
) -> ToolRun:
    """Run `[*wrapper, python, *args]` in `cwd`; a timeout is a result, not an exception.

    On a timeout, or any exception while waiting (KeyboardInterrupt), the tool's whole
    process group is killed before returning or re-raising; so is whatever the tool left
    running when it exited.
    """
    shown = shlex.join(["python", *args])
    child = subprocess.Popen(
        [*wrapper, sys.executable, *args],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stdout, stderr = _end(child)
        return ToolRun(shown, None, _decode(stdout), _decode(stderr), timed_out=True)
    except BaseException:
        _end(child)
        raise
    finally:
        _kill_group(child)
    return ToolRun(shown, child.returncode, _decode(stdout), _decode(stderr))


def _end(child: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """Kill the tool's group and collect what it printed until then."""
    _kill_group(child)
    try:
        return child.communicate(timeout=_GRACE_SECONDS)
    except subprocess.TimeoutExpired:  # a grandchild left the group and holds the pipes
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
        child.wait()
        return b"", b""


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def excerpt(text: str, *, tail: bool = False) -> str:
    """At most 20 lines / 2000 characters of `text` (its end if `tail`), marking cuts."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    cut = len(lines) > _MAX_LINES
    kept = (lines[-_MAX_LINES:] if tail else lines[:_MAX_LINES]) if cut else lines
    result = "\n".join(kept)
    if len(result) > _MAX_CHARS:
        result = result[-_MAX_CHARS:] if tail else result[:_MAX_CHARS]
        cut = True
    if not cut:
        return result
    return f"[…]\n{result}" if tail else f"{result}\n[…]"

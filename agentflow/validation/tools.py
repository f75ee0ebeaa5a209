"""Running Python tools on a package in subprocesses that leave the package untouched.

Every tool runs with `sys.executable`, the package directory as working directory, and an
environment that sends caches, bytecode and coverage data to a scratch directory, so
validating a package twice gives the same result and changes no file in it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ToolRun", "excerpt", "run_tool", "tool_env"]

# Variables that would make a nested tool behave differently from a plain CI run
# (pytest-cov's subprocess hooks, pytest options, forced colours, foreign imports).
_DROPPED_PREFIXES = ("COV_CORE_", "COVERAGE_", "PYTEST_")
_DROPPED = frozenset({"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "FORCE_COLOR", "PY_COLORS"})
_MAX_LINES = 20
_MAX_CHARS = 2000


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


def tool_env(package_root: Path, scratch: Path) -> dict[str, str]:
    """The environment for tools: no bytecode, caches and coverage data in `scratch`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _DROPPED and not key.startswith(_DROPPED_PREFIXES)
    }
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=str(package_root.resolve()),
        PYTHONIOENCODING="utf-8",
        COVERAGE_FILE=str(scratch / ".coverage"),
        BLACK_CACHE_DIR=str(scratch / "black-cache"),
        NO_COLOR="1",
    )
    return env


def run_tool(args: Sequence[str], *, cwd: Path, env: dict[str, str], timeout: float) -> ToolRun:
    """Run `python <args>` in `cwd`; a timeout is a result, not an exception."""
    command = [sys.executable, *args]
    shown = shlex.join(["python", *args])
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        return ToolRun(shown, None, _decode(exc.stdout), _decode(exc.stderr), timed_out=True)
    return ToolRun(shown, done.returncode, _decode(done.stdout), _decode(done.stderr))


def _decode(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
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

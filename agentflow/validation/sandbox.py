"""Where validation runs package code: a scrubbed environment and, where possible, no network.

Package code may come from a model provider, and the import check, the test runs and the
mutants execute it. So every tool validation starts (the formatters too, for simplicity)
sees only an allow-list of environment variables, never provider keys, service tokens,
cloud credentials or an SSH agent, with a throw-away HOME, caches, config and TMPDIR inside
the scratch folder. On Linux the tools also run in a new network namespace (`unshare --net`,
or `unshare --user --map-root-user --net` without root), which has no route anywhere, not
even to the host's loopback. Whether that works is probed once per process; the report says
which isolation was in force.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agentflow.validation.report import Isolation
from agentflow.validation.tools import ToolRun, run_tool

__all__ = ["NETWORK_NONE", "Network", "Sandbox", "network_isolation", "scrubbed_env"]

# Variables a tool may inherit: how to find programs and libraries, locale, time zone,
# terminal, and what Windows needs to start Python. Everything else is dropped.
_INHERITED = frozenset(
    {"PATH", "LANG", "LANGUAGE", "TZ", "TERM", "LD_LIBRARY_PATH"}
    | {"SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT"}
)
_INHERITED_PREFIXES = ("LC_",)
NETWORK_NONE = "none (network namespace)"
_PROBE_SECONDS = 10.0


def scrubbed_env(scratch: Path) -> dict[str, str]:
    """The allow-listed variables, plus a private HOME, caches and TMPDIR under `scratch`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in _INHERITED or key.startswith(_INHERITED_PREFIXES)
    }
    places = {name: scratch / name for name in ("home", "cache", "config", "data", "tmp")}
    for folder in places.values():
        folder.mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(places["home"]),
        USERPROFILE=str(places["home"]),
        XDG_CACHE_HOME=str(places["cache"]),
        XDG_CONFIG_HOME=str(places["config"]),
        XDG_DATA_HOME=str(places["data"]),
        TMPDIR=str(places["tmp"]),
        TEMP=str(places["tmp"]),
        TMP=str(places["tmp"]),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONIOENCODING="utf-8",
        COVERAGE_FILE=str(scratch / ".coverage"),
        BLACK_CACHE_DIR=str(places["cache"] / "black"),
        NO_COLOR="1",
    )
    return env


@dataclass(frozen=True)
class Network:
    """How tools are kept off the network: a command prefix, and what it achieves."""

    wrapper: tuple[str, ...]
    description: str


@functools.cache
def network_isolation() -> Network:
    """A new network namespace if `unshare` works here, else the network as it is (and why)."""
    if not sys.platform.startswith("linux"):
        return Network((), f"available (no network namespaces on {sys.platform})")
    unshare = shutil.which("unshare")
    if unshare is None:
        return Network((), "available (unshare not found)")
    problem = ""
    for flags in _unshare_flags():
        wrapper = (unshare, *flags, "--")
        problem = _probe(wrapper)
        if not problem:
            return Network(wrapper, NETWORK_NONE)
    return Network((), f"available (unshare not permitted: {problem})")


def _unshare_flags() -> list[tuple[str, ...]]:
    """Root may create a network namespace directly; others need a user namespace too."""
    as_user = ("--user", "--map-root-user", "--net")
    return [("--net",), as_user] if os.geteuid() == 0 else [as_user]


def _probe(wrapper: Sequence[str]) -> str:
    """Why `wrapper` cannot run a program, or "" when it can."""
    try:
        run = run_tool(
            ["-c", "pass"],
            cwd=Path("/"),  # Linux only; unlike the current folder, always there
            env=os.environ,
            timeout=_PROBE_SECONDS,
            wrapper=wrapper,
        )
    except OSError as exc:
        return str(exc)
    if run.ok:
        return ""
    if run.timed_out:
        return f"timed out after {_PROBE_SECONDS:g}s"
    lines = run.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit {run.returncode}"


class Sandbox:
    """Runs `python <args>` for one validation: scrubbed environment, no network if possible.

    The working directory of a run is also its PYTHONPATH, so a private copy of a package
    imports its own modules.
    """

    def __init__(self, scratch: Path) -> None:
        network = network_isolation()
        self.env = scrubbed_env(scratch)
        self.wrapper = network.wrapper
        self.isolation = Isolation(environment="scrubbed", network=network.description)

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> ToolRun:
        """Run `python <args>` in `cwd` with the sandbox's environment plus `env`."""
        full_env = {**self.env, "PYTHONPATH": str(cwd.resolve()), **(env or {})}
        return run_tool(args, cwd=cwd, env=full_env, timeout=timeout, wrapper=self.wrapper)

"""Run a package's tests on several mutated copies from one warm Python process.

The `tests_can_fail` check copies this script next to the copies and runs it in the sandbox:

    python run_mutants.py TIMEOUT WORKERS COPY... -- PYTEST_ARGS...

It imports pytest, and the other modules the tests import, once; then forks one child per
copy, at most WORKERS at a time, so each run costs its collection and tests rather than a
whole interpreter start. A child runs `pytest PYTEST_ARGS` in its copy, writes what pytest
prints to `COPY.out`, and is ended after TIMEOUT seconds. The last line printed is JSON:
`{"COPY": exit status, or null when it timed out}`. Where fork is missing, each copy gets a
fresh interpreter instead, one after another.

This script runs package code, so it uses only the standard library and pytest: it is part
of the package's environment, never of agentflow's.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

_TEST_FILES = ("test_*.py", "*_test.py", "conftest.py")


def main(argv: list[str]) -> int:
    """Run every copy and print the JSON verdicts; 0 unless the arguments are wrong."""
    split = argv.index("--") if "--" in argv else -1
    if split < 2:
        print(__doc__, file=sys.stderr)
        return 2
    timeout, workers = float(argv[0]), int(argv[1])
    copies, pytest_args = argv[2:split], argv[split + 1 :]
    sys.dont_write_bytecode = True
    if hasattr(os, "fork"):
        _preload(copies)
        results = _forked(copies, pytest_args, timeout=timeout, workers=workers)
    else:
        results = {copy: _spawned(copy, pytest_args, timeout=timeout) for copy in copies}
    print(json.dumps(results, sort_keys=True))
    return 0


def _preload(copies: list[str]) -> None:
    """Import pytest and what the tests import from outside the package, once for all."""
    import pytest  # noqa: F401  (every child needs it)

    if not copies:
        return
    folder = Path(copies[0])
    local = {entry.name.split(".")[0] for entry in folder.iterdir()}
    for name in sorted(_imported(folder) - local):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112  (the child will report it, if it matters)
            continue


def _imported(folder: Path) -> set[str]:
    """Top-level names the test modules import."""
    names: set[str] = set()
    for path in sorted({p for pattern in _TEST_FILES for p in folder.glob(pattern)}):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def _forked(
    copies: list[str], pytest_args: list[str], *, timeout: float, workers: int
) -> dict[str, int | None]:
    """Fork a child per copy, `workers` at a time; collect their exit statuses."""
    waiting = list(copies)
    running: dict[int, str] = {}
    results: dict[str, int | None] = {}
    while waiting or running:
        while waiting and len(running) < max(1, workers):
            copy = waiting.pop(0)
            pid = os.fork()
            if pid == 0:
                _child(copy, pytest_args, timeout=timeout)
            running[pid] = copy
        pid, status = os.wait()
        code = os.waitstatus_to_exitcode(status)
        results[running.pop(pid)] = None if code == -signal.SIGALRM else code
    return results


def _child(copy: str, pytest_args: list[str], *, timeout: float) -> None:
    """Run pytest in `copy` with output to `copy.out`; never returns."""
    code = 3
    try:
        output = os.open(f"{copy}.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(output, 1)
        os.dup2(output, 2)
        folder = os.path.abspath(copy)
        os.chdir(folder)
        sys.path.insert(0, folder)
        signal.setitimer(signal.ITIMER_REAL, timeout)  # SIGALRM ends the child
        import pytest

        code = int(pytest.main(pytest_args))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _spawned(copy: str, pytest_args: list[str], *, timeout: float) -> int | None:
    """Run pytest in `copy` in a fresh interpreter (platforms without fork)."""
    with open(f"{copy}.out", "wb") as output:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "pytest", *pytest_args],
                cwd=copy,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Subprocess plumbing: timeouts as results, process groups ended, bounded excerpts."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from agentflow.validation.testrun import _ranges, summary_line
from agentflow.validation.tools import excerpt, run_tool

from .processes import all_gone, wait_for

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")

# Starts a grandchild that would outlive its parent, notes both pids, then waits forever.
SPAWNS_AND_HANGS = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open(sys.argv[1], "w").write(f"{child.pid}")
time.sleep(60)
"""


def test_run_tool_reports_a_timeout_instead_of_raising(tmp_path: Path) -> None:
    run = run_tool(["-c", "import time; time.sleep(30)"], cwd=tmp_path, env={}, timeout=0.5)
    assert run.timed_out and not run.ok
    assert run.describe().endswith("(timed out)")


def test_run_tool_captures_exit_status_and_output(tmp_path: Path) -> None:
    run = run_tool(
        ["-c", "import sys; print('out'); sys.exit('err')"],
        cwd=tmp_path,
        env={},
        timeout=30,
    )
    assert (run.returncode, run.stdout.strip(), run.stderr.strip()) == (1, "out", "err")
    assert run.output == "out\nerr"
    assert run.describe().startswith("$ python -c ")


def test_excerpt_keeps_the_head_or_tail_and_marks_the_cut() -> None:
    text = "\n".join(f"line {n}" for n in range(50))
    head = excerpt(text).splitlines()
    assert head[0] == "line 0" and head[-1] == "[…]" and len(head) == 21
    tail = excerpt(text, tail=True).splitlines()
    assert tail[0] == "[…]" and tail[-1] == "line 49"
    assert excerpt("short") == "short"
    assert len(excerpt("x" * 5000)) <= 2004


def test_pytest_summary_line_is_found_among_coverage_output() -> None:
    stdout = "..F\nCoverage JSON written to file x.json\n1 failed, 2 passed in 0.12s\n"
    assert summary_line(stdout) == "1 failed, 2 passed in 0.12s"
    assert summary_line("nothing here\n") is None


def test_missing_lines_are_shown_as_ranges() -> None:
    assert _ranges([9, 3, 4, 5, 12, 13]) == "3-5, 9, 12-13"


@posix_only
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_a_timeout_ends_the_whole_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "grandchild.pid"
    run = run_tool(["-c", SPAWNS_AND_HANGS, str(marker)], cwd=tmp_path, env={}, timeout=2.0)
    assert run.timed_out
    assert all_gone(wait_for(marker))


@posix_only
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_an_interrupt_ends_the_whole_process_group_and_propagates(tmp_path: Path) -> None:
    marker = tmp_path / "grandchild.pid"
    main = threading.get_ident()

    def interrupt_when_started() -> None:
        wait_for(marker)
        signal.pthread_kill(main, signal.SIGINT)

    threading.Thread(target=interrupt_when_started, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_tool(["-c", SPAWNS_AND_HANGS, str(marker)], cwd=tmp_path, env={}, timeout=60)
    assert time.monotonic() - started < 30
    assert all_gone(wait_for(marker))

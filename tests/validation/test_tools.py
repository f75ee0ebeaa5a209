"""Subprocess plumbing: clean environment, timeouts as results, bounded excerpts."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentflow.validation.testrun import _ranges, _summary_line
from agentflow.validation.tools import excerpt, run_tool, tool_env


def test_tool_env_sends_writes_to_scratch_and_drops_foreign_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COV_CORE_SOURCE", "elsewhere")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-x")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    monkeypatch.setenv("KEEP_ME", "1")
    env = tool_env(tmp_path / "pkg", tmp_path / "scratch")
    assert "COV_CORE_SOURCE" not in env and "PYTEST_ADDOPTS" not in env
    assert env["PYTHONPATH"] == str((tmp_path / "pkg").resolve())
    assert env["COVERAGE_FILE"] == str(tmp_path / "scratch" / ".coverage")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["KEEP_ME"] == "1"


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
    assert _summary_line(stdout) == "1 failed, 2 passed in 0.12s"
    assert _summary_line("nothing here\n") is None


def test_missing_lines_are_shown_as_ranges() -> None:
    assert _ranges([9, 3, 4, 5, 12, 13]) == "3-5, 9, 12-13"

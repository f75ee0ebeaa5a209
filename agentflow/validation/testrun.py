"""The `tests` and `coverage` checks, which share one run of the package's test suite."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from agentflow.validation.context import CheckContext, Outcome, TestRun
from agentflow.validation.tools import excerpt, run_tool

__all__ = ["check_coverage", "check_tests", "package_test_run"]

_SUMMARY = re.compile(
    r"\b(passed|failed|errors?|skipped|xfailed|xpassed|no tests ran)\b.*\bin [\d.]+s\b"
)
_NOT_RUN = "skipped: tests not run (quick validation)"


def package_test_run(ctx: CheckContext) -> TestRun:
    """Run the package's tests once with coverage of the adapter; later calls reuse it."""
    if ctx.test_run is None:
        report = ctx.scratch / "coverage.json"
        run = run_tool(
            [
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--cov={ctx.package.adapter_module}",
                f"--cov-report=json:{report}",
                "--cov-fail-under=0",
            ],
            cwd=ctx.root,
            env=ctx.env,
            timeout=ctx.test_timeout,
        )
        shown = run.command.replace(str(ctx.scratch), "$TMPDIR")
        ctx.test_run = TestRun(dataclasses.replace(run, command=shown), report)
    return ctx.test_run


def check_tests(ctx: CheckContext) -> Outcome:
    """The package's own test suite passes (pytest exits 0)."""
    if not ctx.run_tests:
        return Outcome(False, _NOT_RUN, skipped=True)
    run = package_test_run(ctx).tool
    summary = _summary_line(run.stdout) or "no pytest summary line"
    if run.ok:
        return Outcome(True, f"pytest: {summary}\n{run.describe()}")
    if run.timed_out:
        summary = f"timed out after {ctx.test_timeout:g}s"
    failures = [line for line in run.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    detail = "\n".join(failures) if failures else excerpt(run.output, tail=True)
    return Outcome(False, f"pytest: {summary}\n{run.describe()}\n{detail}")


def _summary_line(stdout: str) -> str | None:
    """pytest's closing `N passed, M failed in Xs` line."""
    for line in reversed(stdout.splitlines()):
        if _SUMMARY.search(line):
            return line.strip("= ").strip()
    return None


def check_coverage(ctx: CheckContext) -> Outcome:
    """The adapter's line coverage in the shared test run reaches `min_coverage`."""
    if not ctx.run_tests:
        return Outcome(False, f"{_NOT_RUN}; coverage comes from the tests", skipped=True)
    test_run = package_test_run(ctx)
    adapter = f"{ctx.package.adapter_module}.py"
    if not test_run.coverage_json.is_file():
        return Outcome(False, f"no coverage data for {adapter}\n{test_run.tool.describe()}")
    data = json.loads(test_run.coverage_json.read_text(encoding="utf-8"))
    entry = _file_entry(data, adapter)
    if entry is None:
        return Outcome(False, f"{adapter} was never imported by the tests (0% coverage)")
    summary = entry["summary"]
    statements, covered = int(summary["num_statements"]), int(summary["covered_lines"])
    percent = 100.0 * covered / statements if statements else 100.0
    evidence = (
        f"{adapter}: {percent:.2f}% line coverage ({covered}/{statements} statements), "
        f"minimum {ctx.min_coverage:g}%"
    )
    missing = [int(n) for n in entry.get("missing_lines", [])]
    if missing:
        evidence += f"\nmissing lines: {_ranges(missing)}"
    return Outcome(percent >= ctx.min_coverage, evidence)


def _file_entry(data: dict[str, Any], adapter: str) -> dict[str, Any] | None:
    """The coverage.py JSON entry of the adapter file, whatever its path prefix."""
    files: dict[str, Any] = data.get("files", {})
    if adapter in files:
        return files[adapter]  # type: ignore[no-any-return]
    for path, entry in sorted(files.items()):
        if path.replace("\\", "/").rsplit("/", 1)[-1] == adapter:
            return entry  # type: ignore[no-any-return]
    return None


def _ranges(numbers: list[int]) -> str:
    """`[3, 4, 5, 9]` → `3-5, 9`."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)

"""The `tests` and `coverage` checks, which share one run of the package's test suite.

pytest loads only the plugins of the distributions the package's `test` extra names (plus
pytest-cov, which validation uses), as in the package's own CI after `pip install .[test]`:
plugins that merely happen to be installed next to agentflow neither change the outcome nor
slow every start. A package without a `test` extra gets every installed plugin.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from agentflow.validation.context import CheckContext, Outcome, TestRun
from agentflow.validation.tools import excerpt

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "NOT_RUN",
    "check_coverage",
    "check_tests",
    "declared_plugins",
    "package_test_run",
    "plugin_options",
    "summary_line",
]

_SUMMARY = re.compile(
    r"\b(passed|failed|errors?|skipped|xfailed|xpassed|no tests ran)\b.*\bin [\d.]+s\b"
)
NOT_RUN = "skipped: tests not run (quick validation)"
_COVERAGE_PLUGIN = "pytest_cov"


def declared_plugins(root: Path) -> frozenset[str] | None:
    """The installed pytest plugins of the distributions the package's `test` extra names.

    None when the package's pyproject.toml has no `test` extra. `CheckContext.pytest_plugins`
    looks them up once per validation.
    """
    declared = _test_requirements(root)
    if declared is None:
        return None
    return frozenset(
        ep.name
        for ep in entry_points(group="pytest11")
        if ep.dist is not None and canonicalize_name(ep.dist.name) in declared
    )


def plugin_options(
    plugins: frozenset[str] | None, *, needed: Sequence[str] = ()
) -> tuple[list[str], dict[str, str]]:
    """pytest arguments and environment loading only `plugins` (see `declared_plugins`).

    `needed` names plugins validation itself relies on. Without a `test` extra (`plugins`
    None), nothing changes: every installed plugin loads.
    """
    if plugins is None:
        return [], {}
    args = [arg for name in sorted(plugins | set(needed)) for arg in ("-p", name)]
    return args, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _test_requirements(root: Path) -> set[str] | None:
    """Distribution names in `[project.optional-dependencies] test`, or None if absent."""
    try:
        document = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    project = document.get("project")
    extras = project.get("optional-dependencies") if isinstance(project, dict) else None
    test = extras.get("test") if isinstance(extras, dict) else None
    if not isinstance(test, list):
        return None
    names: set[str] = set()
    for item in test:
        try:
            names.add(canonicalize_name(Requirement(str(item)).name))
        except InvalidRequirement:
            continue
    return names


def package_test_run(ctx: CheckContext) -> TestRun:
    """Run the package's tests once with coverage of its own code; later calls reuse it."""
    if ctx.test_run is None:
        report = ctx.scratch / "coverage.json"
        plugins, env = plugin_options(ctx.pytest_plugins, needed=(_COVERAGE_PLUGIN,))
        run = ctx.run_python(
            [
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *plugins,
                *(f"--cov={module}" for module in ctx.package.own_modules),
                f"--cov-report=json:{report}",
                "--cov-fail-under=0",
            ],
            timeout=ctx.test_timeout,
            env=env,
        )
        shown = run.command.replace(str(ctx.scratch), "$TMPDIR")
        ctx.test_run = TestRun(dataclasses.replace(run, command=shown), report)
    return ctx.test_run


def check_tests(ctx: CheckContext) -> Outcome:
    """The package's own test suite passes (pytest exits 0)."""
    if not ctx.run_tests:
        return Outcome(False, NOT_RUN, skipped=True)
    run = package_test_run(ctx).tool
    summary = summary_line(run.stdout) or "no pytest summary line"
    if run.ok:
        return Outcome(True, f"pytest: {summary}\n{run.describe()}")
    if run.timed_out:
        summary = f"timed out after {ctx.test_timeout:g}s"
    failures = [line for line in run.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    detail = "\n".join(failures) if failures else excerpt(run.output, tail=True)
    return Outcome(False, f"pytest: {summary}\n{run.describe()}\n{detail}")


def summary_line(stdout: str) -> str | None:
    """pytest's closing `N passed, M failed in Xs` line."""
    for line in reversed(stdout.splitlines()):
        if _SUMMARY.search(line):
            return line.strip("= ").strip()
    return None


def check_coverage(ctx: CheckContext) -> Outcome:
    """The line coverage of the package's own code (see `PackageInfo.own_modules`) in the
    shared test run reaches `min_coverage`."""
    if not ctx.run_tests:
        return Outcome(False, f"{NOT_RUN}; coverage comes from the tests", skipped=True)
    test_run = package_test_run(ctx)
    adapter = f"{ctx.package.adapter_module}.py"
    if not test_run.coverage_json.is_file():
        return Outcome(False, f"no coverage data for {adapter}\n{test_run.tool.describe()}")
    data = json.loads(test_run.coverage_json.read_text(encoding="utf-8"))
    if _file_entry(data, adapter) is None:
        return Outcome(False, f"{adapter} was never imported by the tests (0% coverage)")
    # `--cov` measured only the package's own modules, so every file reported is one of them.
    files: dict[str, Any] = data["files"]
    statements = sum(int(entry["summary"]["num_statements"]) for entry in files.values())
    covered = sum(int(entry["summary"]["covered_lines"]) for entry in files.values())
    percent = 100.0 * covered / statements if statements else 100.0
    measured = " and ".join([adapter, *(f"{m}/" for m in ctx.package.own_modules[1:])])
    evidence = (
        f"{measured}: {percent:.2f}% line coverage ({covered}/{statements} statements), "
        f"minimum {ctx.min_coverage:g}%"
    )
    for path, entry in sorted(files.items()):
        missing = [int(n) for n in entry.get("missing_lines", [])]
        if missing:
            evidence += f"\nmissing lines in {path}: {_ranges(missing)}"
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

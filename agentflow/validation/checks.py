"""The named checks `agentflow integrate validate` runs, and what each is worth.

=================  ======  =============================================================
check              weight  passes when
=================  ======  =============================================================
syntax             10      every `.py` file of the package compiles
import_isolated    10      `import <slug>_adapter` works with `agentflow` made unimportable
black              5       `black --check` accepts every `.py` file (package's own config)
ruff               5       `ruff check` reports nothing (package's own config)
pattern_rules      15      the pattern's own rules hold (endpoints tested, retry and rate
                           limiting on every request, no hard-coded secret, …)
tests              20      the package's own test suite exits 0
coverage           10      the line coverage of the adapter and its helper package in that
                           same run reaches the minimum
tests_can_fail     15      the tests fail against every mutant of the adapter (wrong path,
                           wrong method, credentials dropped, no retry… per pattern)
unedited           10      every file listed in `metadata.json` has its recorded sha256;
                           files added since generation are listed but do not fail it
=================  ======  =============================================================

The weights sum to 100 and a skipped check earns nothing, so a quick run without tests
(no `tests`, `coverage` or `tests_can_fail`) scores at most 55 and a run without the edit
check at most 90; tests that cannot fail cost 15 points, which puts a package below the
default minimum of 90. A check returns an `Outcome` whose evidence starts with a one-line
summary, followed by the command run and an excerpt of what it printed, or the files and
lines concerned. Package code only ever runs inside the sandbox (`sandbox.py`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from agentflow.errors import OutputError
from agentflow.package.transaction import safe_relative_path
from agentflow.validation.context import CheckContext, Outcome
from agentflow.validation.mutation import check_tests_can_fail
from agentflow.validation.testrun import check_coverage, check_tests
from agentflow.validation.tools import ToolRun, excerpt

__all__ = ["CHECKS", "Check", "Outcome"]


@dataclass(frozen=True)
class Check:
    """A named, weighted check: `run` decides it for one package."""

    name: str
    weight: float
    run: Callable[[CheckContext], Outcome]


def check_syntax(ctx: CheckContext) -> Outcome:
    """Every `.py` file compiles (in memory, so errors the parser alone misses count)."""
    sources = ctx.python_files
    if not sources:
        return Outcome(False, "no Python files found in the package")
    failures = [problem for rel in sources if (problem := _compile_problem(ctx.root, rel))]
    if failures:
        summary = f"{len(failures)} of {len(sources)} Python files do not compile"
        return Outcome(False, "\n".join([summary, *failures]))
    return Outcome(True, f"{len(sources)} Python files compile")


def _compile_problem(root: Path, rel: str) -> str | None:
    try:
        compile((root / rel).read_bytes(), rel, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"{rel}:{exc.lineno}:{exc.offset}: {exc.msg}"
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        return f"{rel}: {exc}"
    return None


def check_import_isolated(ctx: CheckContext) -> Outcome:
    """The adapter imports without agentflow: generated packages must be self-contained."""
    module = ctx.package.adapter_module
    code = (
        "import os, sys; sys.path.insert(0, os.getcwd()); "
        f'sys.modules["agentflow"] = None; import {module}'
    )
    run = ctx.run_python(["-I", "-B", "-c", code], timeout=ctx.tool_timeout)
    if run.ok:
        return Outcome(True, f"{module} imports with agentflow blocked\n{run.describe()}")
    reason = _last_line(run.stderr) or "no error output"
    detail = excerpt(run.stderr, tail=True)
    return Outcome(False, f"import {module} failed: {reason}\n{run.describe()}\n{detail}")


def check_black(ctx: CheckContext) -> Outcome:
    """`black --check` on the package's files, with the package's own configuration."""
    sources = ctx.python_files
    if not sources:
        return Outcome(False, "no Python files to check")
    run = ctx.run_python(["-m", "black", "--check", *sources], timeout=ctx.tool_timeout)
    if run.ok:
        return Outcome(True, f"{len(sources)} files already formatted\n{run.describe()}")
    return _tool_failure(f"black: {_last_line(run.output)}", run)


def check_ruff(ctx: CheckContext) -> Outcome:
    """`ruff check` on the package's files, with the package's own configuration."""
    sources = ctx.python_files
    if not sources:
        return Outcome(False, "no Python files to check")
    run = ctx.run_python(
        ["-m", "ruff", "check", "--no-cache", "--output-format=concise", *sources],
        timeout=ctx.tool_timeout,
    )
    if run.ok:
        return Outcome(True, f"ruff: no problems in {len(sources)} files\n{run.describe()}")
    found = [line for line in run.output.splitlines() if line.startswith("Found ")]
    summary = found[-1] if found else _last_line(run.output)
    return _tool_failure(f"ruff: {summary}", run)


def _tool_failure(summary: str, run: ToolRun) -> Outcome:
    return Outcome(False, f"{summary}\n{run.describe()}\n{excerpt(run.output)}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def check_pattern_rules(ctx: CheckContext) -> Outcome:
    """The package's pattern judges its files by its own rules."""
    name = ctx.package.pattern
    rules = ctx.rules
    if rules is None:
        return Outcome(False, f"pattern {name!r} from metadata.json is not installed")
    files = {rel: ctx.read_text(rel) for rel in ctx.files}
    problems = rules.validate(files)
    if problems:
        summary = f"pattern {name!r}: {len(problems)} rule violations"
        return Outcome(False, "\n".join([summary, *(f"- {p}" for p in problems)]))
    return Outcome(True, f"pattern {name!r}: no rule violations in {len(files)} files")


def check_unedited(ctx: CheckContext) -> Outcome:
    """Files still have the checksums recorded at generation; added files are listed only."""
    if not ctx.check_edits:
        return Outcome(False, "skipped: edit check turned off", skipped=True)
    listed = ctx.package.metadata.get("files")
    if not _is_file_table(listed):
        return Outcome(
            False,
            "metadata.json: 'files' must map each path to {\"sha256\": …}; "
            "regenerate the package",
        )
    findings = _compare_checksums(ctx.root, listed)
    added = [rel for rel in ctx.files if rel not in listed]
    changed = sum(len(paths) for paths in findings.values())
    lines = [f"{label}: {', '.join(paths)}" for label, paths in findings.items() if paths]
    if added:
        lines.append(f"added (not scored): {', '.join(added)}")
    if changed:
        summary = f"{changed} of {len(listed)} recorded files differ from metadata.json"
        return Outcome(False, "\n".join([summary, *lines]))
    summary = f"all {len(listed)} recorded files match their metadata.json checksums"
    return Outcome(True, "\n".join([summary, *lines]))


def _is_file_table(listed: Any) -> TypeGuard[dict[str, dict[str, Any]]]:
    return isinstance(listed, dict) and all(
        isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
        for entry in listed.values()
    )


def _compare_checksums(root: Path, listed: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """Recorded paths sorted into edited, missing and outside-the-package."""
    findings: dict[str, list[str]] = {"edited": [], "missing": [], "outside the package": []}
    for rel, entry in sorted(listed.items()):
        target = _contained(root, rel)
        if target is None:
            findings["outside the package"].append(rel)
        elif not target.is_file():
            findings["missing"].append(rel)
        elif hashlib.sha256(target.read_bytes()).hexdigest() != entry["sha256"].lower():
            findings["edited"].append(rel)
    return findings


def _contained(root: Path, rel: str) -> Path | None:
    """`root/rel` if it stays inside `root` once resolved, else None."""
    try:
        target = root / safe_relative_path(rel)
    except OutputError:
        return None
    if not target.resolve().is_relative_to(root.resolve()):
        return None
    return target


CHECKS: tuple[Check, ...] = (
    Check("syntax", 10.0, check_syntax),
    Check("import_isolated", 10.0, check_import_isolated),
    Check("black", 5.0, check_black),
    Check("ruff", 5.0, check_ruff),
    Check("pattern_rules", 15.0, check_pattern_rules),
    Check("tests", 20.0, check_tests),
    Check("coverage", 10.0, check_coverage),
    Check("tests_can_fail", 15.0, check_tests_can_fail),
    Check("unedited", 10.0, check_unedited),
)

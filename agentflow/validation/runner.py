"""`validate_package`: run every check on a package directory and gather the report."""

from __future__ import annotations

import tempfile
import time
import traceback
from pathlib import Path

from agentflow.validation.checks import CHECKS, Check
from agentflow.validation.context import CheckContext, Outcome, PatternRules
from agentflow.validation.package import load_package
from agentflow.validation.report import CheckResult, ValidationReport
from agentflow.validation.sandbox import Sandbox

__all__ = ["run_check", "validate_package"]


def validate_package(
    path: Path,
    *,
    run_tests: bool = True,
    min_coverage: float = 90.0,
    check_edits: bool = True,
    pattern: PatternRules | None = None,
    test_timeout: float = 300.0,
) -> ValidationReport:
    """Run every check on the package at `path` and report what each observed.

    Raises `InputError` only when `path` is not a readable package (no directory, no or
    corrupt metadata.json). A failing or crashing check is a failed `CheckResult`.
    `run_tests=False` skips `tests`, `coverage` and `tests_can_fail`; `check_edits=False`
    skips `unedited`; `pattern` replaces the pattern named in metadata.json for
    `pattern_rules` and `tests_can_fail`.

    Package code runs in a sandbox (`sandbox.py`); the report says which isolation was in
    force. Everything is written to a scratch folder that is removed afterwards, also when
    interrupted: a tool interrupted while it runs is killed with its process group first.
    """
    package = load_package(Path(path))
    with tempfile.TemporaryDirectory(prefix="agentflow-validate-") as scratch:
        sandbox = Sandbox(Path(scratch))
        ctx = CheckContext(
            package=package,
            scratch=Path(scratch),
            sandbox=sandbox,
            run_tests=run_tests,
            min_coverage=min_coverage,
            check_edits=check_edits,
            pattern=pattern,
            test_timeout=test_timeout,
        )
        results = tuple(run_check(check, ctx) for check in CHECKS)
    return ValidationReport(package=str(path), checks=results, isolation=sandbox.isolation)


def run_check(check: Check, ctx: CheckContext) -> CheckResult:
    """Run one check, timing it; an exception becomes a failed result naming where."""
    started = time.perf_counter()
    try:
        outcome = check.run(ctx)
    except Exception as exc:  # a broken check must not stop the others
        outcome = Outcome(False, _crash_evidence(exc))
    return CheckResult(
        name=check.name,
        weight=check.weight,
        passed=outcome.passed and not outcome.skipped,
        evidence=outcome.evidence,
        duration_seconds=time.perf_counter() - started,
        skipped=outcome.skipped,
    )


def _crash_evidence(exc: Exception) -> str:
    """`check crashed: Type: message` and the innermost frame, to find the bug."""
    text = f"check crashed: {type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f"\nat {last.filename}:{last.lineno} in {last.name}"
    return text

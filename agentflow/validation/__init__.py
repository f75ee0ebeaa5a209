"""Validation of generated packages: named, weighted checks with evidence, and reporters.

`validate_package(path)` runs every check in `CHECKS` on a package directory and returns a
`ValidationReport` whose score is the sum of the weights of the checks that passed. Package
code runs in a sandbox (scrubbed environment, no network where the platform allows); the
report's `isolation` says which. Patterns name the faults their packages' tests must catch
as `Mutant`s (`IntegrationPattern.mutants()`, from `agentflow.patterns.mutants`, which
this package re-exports).
"""

from agentflow.patterns.mutants import Mutant, MutationError
from agentflow.validation.checks import CHECKS, Check
from agentflow.validation.context import Outcome, PatternRules
from agentflow.validation.report import (
    DEFAULT_MIN_SCORE,
    CheckResult,
    Isolation,
    ValidationReport,
)
from agentflow.validation.reporters import render_json, render_junit, render_text
from agentflow.validation.runner import validate_package

__all__ = [
    "CHECKS",
    "DEFAULT_MIN_SCORE",
    "Check",
    "CheckResult",
    "Isolation",
    "Mutant",
    "MutationError",
    "Outcome",
    "PatternRules",
    "ValidationReport",
    "render_json",
    "render_junit",
    "render_text",
    "validate_package",
]

"""A model may make a package better than the templates, never worse.

After a build whose Python files came (partly) from a model fails a validation check, those
files (the ones the checks' evidence names, else all of them) are asked for once more with
that evidence; if the package still fails, they are replaced by the rendered templates, which
pass. Files that depend on a replaced one
are produced again too, since their prompts held its text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from agentflow.generation.backends.base import Revision
from agentflow.generation.generate import GeneratedPackage
from agentflow.generation.orchestrator import SmartOrchestrator

if TYPE_CHECKING:
    from agentflow.validation import ValidationReport

__all__ = ["revise_failing"]

EVIDENCE_CHARS = 3000  # of each failed check's evidence, enough for a traceback's end

Regenerate = Callable[[SmartOrchestrator, GeneratedPackage, dict[str, Revision]], GeneratedPackage]
Validate = Callable[[GeneratedPackage], "ValidationReport"]


def revise_failing(
    generated: GeneratedPackage,
    report: ValidationReport,
    *,
    orchestrator: SmartOrchestrator,
    regenerate: Regenerate,
    validate: Validate,
) -> tuple[GeneratedPackage, ValidationReport]:
    """The package and its report after at most one revision and the template fallback."""
    problems = _problems(report)
    model_made = {
        g.subtask: g
        for g in generated.produced
        if g.subtask and g.path.endswith(".py") and not g.provenance.startswith("template")
    }
    if not problems or not model_made:
        return generated, report
    named = {s: g for s, g in model_made.items() if any(_names(p, g.path) for p in problems)}
    revise = {s: Revision(g.text, problems) for s, g in (named or model_made).items()}
    revised = regenerate(orchestrator, generated, revise)
    revised_report = validate(revised)
    still = _problems(revised_report)
    if not still:
        return revised, revised_report
    with SmartOrchestrator("template") as templates:
        fallback = regenerate(templates, revised, revise)
    names = ", ".join(sorted({p.split(" ", 1)[0] for p in still}))
    fallback = _relabel(fallback, revised, f"template (fallback after validation: {names} failed)")
    return fallback, validate(fallback)


def _problems(report: ValidationReport) -> tuple[str, ...]:
    """What each failed (not skipped) check observed, for the model to correct."""
    return tuple(
        f"{check.name} check failed: {check.evidence[-EVIDENCE_CHARS:]}"
        for check in report.failed_checks
        if not check.skipped
    )


def _names(evidence: str, path: str) -> bool:
    """Whether `evidence` mentions the file `path` (not one whose name merely ends with it)."""
    return re.search(rf"(?<![\w.-]){re.escape(path)}", evidence) is not None


def _relabel(
    package: GeneratedPackage, before: GeneratedPackage, provenance: str
) -> GeneratedPackage:
    """Name why each file that went from model-made to rendered did so."""
    was_model = {g.subtask for g in before.produced if not g.provenance.startswith("template")}
    produced = [
        (
            dataclasses.replace(g, provenance=provenance)
            if g.subtask in was_model and g.provenance == "template"
            else g
        )
        for g in package.produced
    ]
    return dataclasses.replace(package, produced=produced)

"""How CLI results look: rich tables for people, JSON for machines. Only the CLI calls this."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from agentflow.orchestration.integration_patterns import PatternMatch
from agentflow.workflows import CreateResult

if TYPE_CHECKING:
    from agentflow.validation import ValidationReport

__all__ = ["show_create", "show_pattern_list", "show_pattern_scores", "show_validation"]


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _print_json(data: Any) -> None:
    _console().out(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False), highlight=False)


def create_summary(result: CreateResult) -> dict[str, Any]:
    """The JSON form of a create result."""
    package = result.package
    return {
        "service": package.service,
        "slug": package.slug,
        "pattern": package.pattern,
        "package": str(result.destination),
        "status": "dry-run" if result.outcome is None else result.outcome.status,
        "edited_files_replaced": [] if result.outcome is None else list(result.outcome.edited),
        "files": result.plan,
        "scores": package.metadata["scores"],
        "validation": None if package.report is None else package.report.to_dict(),
        "build_metrics": package.metadata["build_metrics"],
    }


def show_create(result: CreateResult, *, as_json: bool) -> None:
    """Report what `create` built and wrote."""
    summary = create_summary(result)
    if as_json:
        _print_json(summary)
        return
    console = _console()
    console.print(
        f"[bold]{summary['service']}[/] → pattern [cyan]{summary['pattern']}[/] "
        f"(score {summary['scores'][0]['score']:.2f})"
    )
    table = Table("file", "change", box=None, pad_edge=False)
    for name, change in summary["files"].items():
        table.add_row(name, change)
    console.print(table)
    score = summary["build_metrics"]["validation_score"]
    console.print(f"validation score: {'not run' if score is None else f'{score:.1f}/100'}")
    for name in summary["edited_files_replaced"]:
        console.print(f"[yellow]replaced hand-edited file[/] {name}")
    verb = {
        "dry-run": "would write",
        "created": "created",
        "replaced": "replaced",
        "unchanged": "unchanged, nothing written:",
    }[summary["status"]]
    console.print(f"{verb} {summary['package']}")


def show_validation(
    reports: Sequence[ValidationReport],
    *,
    min_score: float,
    as_json: bool,
    junit_file: str | None,
) -> bool:
    """Report validation results; returns whether every package reached `min_score`."""
    from agentflow.validation.reporters import render_json, render_junit, render_text

    passed = all(report.passed(min_score) for report in reports)
    if junit_file:
        Path(junit_file).write_text(render_junit(reports), encoding="utf-8")
    if as_json:
        _console().out(render_json(reports, min_score=min_score), highlight=False)
        return passed
    console = _console()
    for report in reports:
        console.print(render_text(report))
        verdict = "[green]passed[/]" if report.passed(min_score) else "[red]FAILED[/]"
        console.print(f"{verdict} (minimum {min_score:g})")
    return passed


def show_pattern_list(patterns: Sequence[tuple[str, str, bool]], *, as_json: bool) -> None:
    """List registered patterns."""
    if as_json:
        _print_json([{"name": n, "description": d, "generates": a} for n, d, a in patterns])
        return
    table = Table("pattern", "generates", "description", box=None, pad_edge=False)
    for name, description, available in patterns:
        table.add_row(name, "yes" if available else "not yet", description)
    _console().print(table)


def show_pattern_scores(matches: Sequence[PatternMatch], *, as_json: bool) -> None:
    """Show every pattern's score with its reasons, best first."""
    if as_json:
        _print_json([m.to_dict() for m in matches])
        return
    table = Table("pattern", "score", "reasons", box=None, pad_edge=False)
    for match in matches:
        table.add_row(match.name, f"{match.score:.2f}", "; ".join(match.reasons) or "-")
    _console().print(table)

"""How CLI results look: rich tables for people, JSON for machines. Only the CLI calls this."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from agentflow.cli.support import error_json
from agentflow.package.transaction import file_error
from agentflow.patterns.base import PatternMatch
from agentflow.workflows import CreateResult

if TYPE_CHECKING:
    from agentflow.batch import BatchItem, ProgressCallback
    from agentflow.catalog import CatalogEntry
    from agentflow.catalog.starter import StarterFile
    from agentflow.deploy import DeploymentRecord, DeployResult
    from agentflow.generation.orchestrator import ProgressEvent
    from agentflow.update import UpdateResult
    from agentflow.validation import ValidationReport

__all__ = [
    "batch_progress",
    "show_batch",
    "show_catalog",
    "show_create",
    "show_deploy",
    "show_deployments",
    "show_init",
    "show_pattern_list",
    "show_pattern_scores",
    "show_update",
    "show_validation",
    "subtask_progress",
]


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
    if summary["build_metrics"]["total_cost"]:
        console.print(f"model cost: ${summary['build_metrics']['total_cost']:.4f}")
    verb = {
        "dry-run": "would write",
        "created": "created",
        "replaced": "replaced",
        "unchanged": "unchanged, nothing written:",
    }[summary["status"]]
    console.print(f"{verb} {summary['package']}")


@contextmanager
def subtask_progress(
    *, enabled: bool, console: Console | None = None
) -> Iterator[Callable[[ProgressEvent], None]]:
    """Yield the progress callback for one build: the files being generated and those done,
    on a terminal only (model calls can take minutes; piped output stays clean)."""
    console = console or _console()
    if not enabled or not console.is_terminal:
        yield lambda event: None
        return
    columns = (TextColumn("{task.description}"), TextColumn("{task.completed} files done"))
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("generating", total=None)
        running: list[str] = []

        def show(event: ProgressEvent) -> None:
            if event.kind == "started":
                running.append(event.subtask)
            else:
                running.remove(event.subtask)
            description = f"generating {', '.join(running)}" if running else "formatting"
            progress.update(task, advance=event.kind == "finished", description=description)

        yield show


@contextmanager
def batch_progress(
    total: int, *, enabled: bool, console: Console | None = None
) -> Iterator[ProgressCallback]:
    """Yield the progress callback for a batch: a bar on a terminal, silence elsewhere."""
    console = console or _console()
    if not enabled or not console.is_terminal:
        yield lambda item: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("creating", total=total)

        def advance(item: BatchItem) -> None:
            progress.update(task, advance=1, description=f"{item.path} {_batch_status(item)}")

        yield advance


def batch_summary(items: Sequence[BatchItem]) -> list[dict[str, Any]]:
    """The JSON form of a batch, in input order: each file's create summary, or its error."""
    return [{"file": str(item.path), **_batch_item_json(item)} for item in items]


def show_batch(items: Sequence[BatchItem], *, as_json: bool) -> None:
    """Report every file of a batch in a table, then each failure's full error on stderr."""
    if as_json:
        _print_json(batch_summary(items))
        return
    table = Table("file", "status", "detail", box=None, pad_edge=False)
    for column in table.columns:
        column.overflow = "fold"
    for item in items:
        status = _batch_status(item)
        if item.error is not None:
            table.add_row(Text(str(item.path)), Text(status, "red"), Text(item.error.message))
        else:
            table.add_row(Text(str(item.path)), status, Text(_batch_detail(item)))
    failed = [item for item in items if item.error is not None]
    console = _console()
    console.print(table)
    console.print(f"{len(items) - len(failed)} succeeded, {len(failed)} failed")
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    for item in failed:
        errors.out(f"error: {item.path}: {item.error}", highlight=False)


def _batch_item_json(item: BatchItem) -> dict[str, Any]:
    if item.error is not None:
        return error_json(item.error)
    assert item.result is not None, "a batch item holds a result or an error"
    return create_summary(item.result)


def _batch_detail(item: BatchItem) -> str:
    """The package path and its validation score."""
    summary = _batch_item_json(item)
    score = summary["build_metrics"]["validation_score"]
    return f"{summary['package']} (validation {'not run' if score is None else f'{score:.1f}/100'})"


def _batch_status(item: BatchItem) -> str:
    """created, replaced, unchanged, dry-run or error."""
    if item.result is None:
        return "error"
    outcome = item.result.outcome
    return "dry-run" if outcome is None else outcome.status


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
        _write_report(Path(junit_file), render_junit(reports))
    if as_json:
        _console().out(render_json(reports, min_score=min_score), highlight=False)
        return passed
    console = _console()
    for report in reports:
        console.print(render_text(report))
        verdict = "[green]passed[/]" if report.passed(min_score) else "[red]FAILED[/]"
        console.print(f"{verdict} (minimum {min_score:g})")
    return passed


def _write_report(path: Path, text: str) -> None:
    """Write a report file, creating its folder; a path that cannot be written is an error
    naming it (`file_error`)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise file_error("write the report", path, exc) from exc


def update_summary(result: UpdateResult, *, min_score: float) -> dict[str, Any]:
    """The JSON form of an update; diffs only for a dry run, where they are the point."""
    from agentflow.package.merge import unified_diff

    report = result.report
    summary: dict[str, Any] = {
        "package": str(result.package_dir),
        "status": result.status,
        "previous_version": result.previous_version,
        "version": result.version,
        "files": {m.path: m.action for m in result.merges if m.action != "unchanged"},
        "conflicts": result.conflicts,
        "validation": None if report is None else report.to_dict(),
        "min_score": min_score,
        "passed": None if report is None else report.passed(min_score),
    }
    if result.status == "dry-run":
        summary["diffs"] = {m.path: unified_diff(m) for m in result.merges if m.changes_disk}
    return summary


def show_update(result: UpdateResult, *, min_score: float, as_json: bool) -> None:
    """Report an update: each changed file's action, conflicts, version and score."""
    summary = update_summary(result, min_score=min_score)
    if as_json:
        _print_json(summary)
        return
    console = _console()
    for diff in summary.get("diffs", {}).values():
        console.out(diff, highlight=False, end="")
    table = Table("file", "change", box=None, pad_edge=False)
    for name, action in summary["files"].items():
        table.add_row(name, f"[red]{action}[/]" if action == "conflict" else action)
    if summary["files"]:
        console.print(table)
    console.print(f"version: {summary['previous_version'] or '-'} → {summary['version']}")
    console.print(_update_score_line(result, min_score))
    for name in summary["conflicts"]:
        console.print(
            f"[red]conflict[/] {name}: resolve the <<<<<<< yours / >>>>>>> generated blocks"
        )
    verb = {
        "dry-run": "would update",
        "updated": "updated",
        "unchanged": "unchanged, nothing written:",
    }
    console.print(f"{verb[result.status]} {summary['package']}")


def _update_score_line(result: UpdateResult, min_score: float) -> str:
    if result.report is None:
        reason = "conflicts to resolve first" if result.conflicts else "skipped"
        return f"validation of the merged package: not run ({reason})"
    score = result.report.score
    verdict = "" if result.report.passed(min_score) else f" [red]below the minimum {min_score:g}[/]"
    return f"validation of the merged package: {score:.1f}/100{verdict}"


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


def show_catalog(entries: Sequence[CatalogEntry], *, as_json: bool) -> None:
    """List the catalog: name, slug, type, where the service lives, whether it generates."""
    if as_json:
        _print_json([entry.to_dict() for entry in entries])
        return
    table = Table("service", "slug", "type", "base URL / endpoint", "generates", box=None)
    table.columns[3].overflow = "fold"
    for entry in entries:
        generates = Text("yes") if entry.generates else Text("not yet", "yellow")
        cells = (entry.name, entry.slug, entry.pattern, entry.address or "-")
        table.add_row(*(Text(cell) for cell in cells), generates)
    _console().print(table)


def show_init(starter: StarterFile) -> None:
    """The starter file on stdout, or where it was written; a pattern that cannot generate
    yet is noted on stderr, so redirected output stays a clean requirements file."""
    from agentflow.catalog.starter import command_word

    entry, errors = starter.entry, Console(stderr=True, highlight=False, soft_wrap=True)
    if starter.path is None:
        click.echo(starter.text, nl=False)  # byte for byte: no markup, wrapping or colour
    else:
        shown = command_word(str(starter.path))
        _console().out(
            f"wrote {shown} ({entry.name}, type {entry.pattern})\n"
            f"next: edit it, then run: agentflow integrate create {shown}",
            highlight=False,
        )
    if not entry.generates:
        errors.out(
            f"note: the {entry.pattern!r} pattern cannot generate packages yet; "
            "`agentflow integrate create` will refuse this file until it can",
            highlight=False,
        )


def show_deploy(result: DeployResult, *, as_json: bool) -> None:
    """What a deploy or a rollback did, and the checksums of what it shipped."""
    if as_json:
        _print_json(result.to_dict())
        return
    out = _console().out
    record, where = result.record, result.target.describe()
    label = f"{record.name} {record.version}"
    if result.report is not None:
        out(f"validation score: {result.report.score:g}/100")
    if record.forced:
        out(
            f"forced: deploying although validation scored {record.score:g}, "
            f"below the minimum {record.min_score:g}"
        )
    out(
        {
            "deployed": f"deployed {label} to {where} in {result.duration_seconds:.1f}s",
            "unchanged": f"{label} is already live at {where} with identical content; "
            "nothing changed",
            "dry-run": f"would deploy {label} to {where}; nothing was written (dry run)",
            "rolled-back": f"rolled back {record.name} at {where}: "
            f"{record.previous_version} -> {record.version}",
        }[result.status]
    )
    for filename, digest in sorted(record.artifacts.items()):
        out(f"  {filename}  sha256:{digest}")
    if record.place:
        out(f"  {result.target.root / record.place}  content sha256:{record.content_sha256}")


def show_deployments(target: str, records: Sequence[DeploymentRecord], *, as_json: bool) -> None:
    """A target's deploy history, oldest first."""
    if as_json:
        _print_json({"target": target, "deployments": [r.to_dict() for r in records]})
        return
    out = _console().out
    if not records:
        out(f"nothing deployed to {target} yet")
    for record in records:
        out(_history_line(record))


def _history_line(record: DeploymentRecord) -> str:
    score = "-" if record.score is None else f"{record.score:g}"
    parts = [record.deployed_at, f"{record.action:8}", record.name, record.version]
    parts.append(f"score {score}" + (" (forced)" if record.forced else ""))
    if record.place:
        parts.append(f"at {record.place}")
    return "  ".join(parts)

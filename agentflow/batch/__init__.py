"""Create several packages in one run, in parallel, keeping each file's error as data.

Every requirements file is loaded first, in order, to learn the package directory it will
write: files that fail to load, and files that would write the same directory, fail before
any build starts, so no two builds ever race for one directory. The remaining files are built
`jobs` at a time in worker processes (building is CPU-bound and validation runs subprocesses).
A failing file yields a `BatchItem` holding its error while the others complete; results come
back in input order whatever order the builds finish in.

Warnings logged in a worker are shown once, as a single run shows them, and Ctrl-C stops the
batch cleanly (`agentflow.batch.worker`).

The builds, the pipeline and the process pool are imported where used: the CLI imports
`MAX_JOBS` at start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.errors import AgentflowError, InputError, OutputError

if TYPE_CHECKING:
    from agentflow.workflows import CreateResult

__all__ = ["MAX_JOBS", "BatchItem", "ProgressCallback", "batch_exit_code", "create_many"]

MAX_JOBS = 32


@dataclass(frozen=True)
class BatchItem:
    """One requirements file of a batch and what came of it: a result or the error it raised."""

    path: Path
    result: CreateResult | None = None
    error: AgentflowError | None = None


ProgressCallback = Callable[[BatchItem], None]


def create_many(
    paths: Sequence[str | Path],
    *,
    jobs: int = 1,
    on_progress: ProgressCallback | None = None,
    output_dir: str | Path = "integrations",
    **create_options: Any,
) -> list[BatchItem]:
    """Create a package per file, `jobs` at a time; one file's failure never stops the others.

    `create_options` are `create_integration`'s keyword arguments. `on_progress` is called in
    this process with each item as it finishes (completion order); the list returned is in
    input order.
    """
    if not paths:
        raise InputError("give at least one requirements file")
    if not 1 <= jobs <= MAX_JOBS:
        raise InputError(f"jobs must be between 1 and {MAX_JOBS}, not {jobs}")
    report = on_progress or _ignore
    items: dict[int, BatchItem] = {}
    for index, error in _preflight(paths, Path(output_dir)).items():
        items[index] = BatchItem(Path(paths[index]), error=error)
        report(items[index])
    options = {"output_dir": output_dir, **create_options}
    pending = [(index, paths[index]) for index in range(len(paths)) if index not in items]

    def finished(index: int, item: BatchItem) -> None:
        items[index] = item
        report(item)

    from agentflow.batch.worker import build_all

    build_all(pending, jobs=jobs, options=options, report=finished)
    return [items[index] for index in range(len(paths))]


def batch_exit_code(items: Sequence[BatchItem]) -> int:
    """0 when every file succeeded, else 1 if any failure is not an input error, else 2.

    Exit code 2 promises that fixing the input fixes the run; one generation or validation
    failure breaks that promise for the whole batch, so it wins.
    """
    codes = {item.error.exit_code for item in items if item.error is not None}
    return min(codes) if codes else 0


def _ignore(item: BatchItem) -> None:
    """The progress callback used when the caller gives none."""


def _preflight(paths: Sequence[str | Path], output_dir: Path) -> dict[int, AgentflowError]:
    """Errors found before building: files that do not load, unusable package folders, and
    files sharing a package."""
    from agentflow.package.writer import check_destination
    from agentflow.spec.loader import load_spec

    errors: dict[int, AgentflowError] = {}
    by_slug: dict[str, list[int]] = {}
    for index, path in enumerate(paths):
        try:
            slug = load_spec(path).spec.slug
            check_destination(output_dir / slug)
        except AgentflowError as exc:
            errors[index] = exc
            continue
        by_slug.setdefault(slug, []).append(index)
    for slug, indexes in by_slug.items():
        if len(indexes) > 1:
            names = ", ".join(str(paths[index]) for index in indexes)
            clash = OutputError(
                f"{names} would write the same package {output_dir / slug}; give each its "
                "own service name or create them in separate runs"
            )
            errors.update(dict.fromkeys(indexes, clash))
    return errors

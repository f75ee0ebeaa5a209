"""The library calls behind each CLI command: one function per command, no printing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentflow.build import (
    IntegrationBuilder,
    IntegrationPackage,
)
from agentflow.errors import GenerationError, InputError
from agentflow.generation.orchestrator import ProgressEvent, SmartOrchestrator
from agentflow.package.writer import WriteOutcome, check_destination, planned_changes
from agentflow.patterns.base import (
    PatternMatch,
    load_patterns,
    score_patterns,
)
from agentflow.regeneration import regeneration_version
from agentflow.settings import BackendSettings
from agentflow.spec.loader import load_spec

if TYPE_CHECKING:
    from agentflow.validation import ValidationReport

__all__ = [
    "CreateResult",
    "building",
    "create_integration",
    "explain_patterns",
    "validate_packages",
]


@dataclass(frozen=True)
class CreateResult:
    """A created (or, with dry_run, planned) package and what happened on disk."""

    package: IntegrationPackage
    destination: Path
    outcome: WriteOutcome | None
    plan: dict[str, str]


def create_integration(
    spec_path: str | Path,
    *,
    output_dir: str | Path = "integrations",
    integration_type: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    validate: bool = True,
    min_score: float | None = None,
    backend: BackendSettings | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
) -> CreateResult:
    """Load a requirements file, build its package and write it under `output_dir/<slug>`.

    A `backend` other than "template" enriches the files with a model provider. The package
    folder is resolved and checked before anything is built: an unusable destination is
    refused at once.
    """
    started = time.perf_counter()
    document = load_spec(spec_path)
    load_seconds = time.perf_counter() - started
    destination = Path(output_dir) / document.spec.slug
    target, metadata = check_destination(destination)
    with (
        building(spec_path),
        SmartOrchestrator.from_settings(
            backend or BackendSettings(), on_progress=on_progress
        ) as orchestrator,
    ):
        regeneration = regeneration_version(
            document,
            target,
            metadata,
            integration_type=integration_type,
            orchestrator=orchestrator,
        )
        builder = IntegrationBuilder(orchestrator, validate=validate, min_score=min_score)
        package = builder.build(
            document,
            integration_type=integration_type,
            load_seconds=load_seconds,
            package_version=regeneration.version,
            generated=regeneration.same,
        )
    if dry_run:
        return CreateResult(package, destination, None, planned_changes(package.files, target))
    outcome = package.save_to_directory(target, force=force)
    return CreateResult(package, destination, outcome, outcome.plan)


@contextmanager
def building(source: str | Path) -> Iterator[None]:
    """Report a file that could not be written while building (a formatter's or validation's
    temporary files: a full disk, a file-size limit) as a GenerationError; the package
    itself has not been touched yet."""
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise GenerationError(
            f"could not build the package of {source}: {exc.strerror or exc}{where}; "
            "nothing was written"
        ) from exc


def validate_packages(
    paths: Sequence[str | Path], *, run_tests: bool = True
) -> list[ValidationReport]:
    """Validate each package directory in turn."""
    from agentflow.validation import validate_package

    if not paths:
        raise InputError("give at least one package directory to validate")
    return [validate_package(Path(p), run_tests=run_tests) for p in paths]


def explain_patterns(spec_path: str | Path) -> list[PatternMatch]:
    """Every pattern's score for a requirements file, best first, with reasons."""
    return score_patterns(load_spec(spec_path).spec.requirements)


def list_patterns() -> list[tuple[str, str, bool]]:
    """`(name, description, can generate)` for every registered pattern."""
    return [(p.name, p.description, p.available) for p in load_patterns().values()]

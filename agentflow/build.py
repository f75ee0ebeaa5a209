"""The build pipeline, in one place: requirements to a validated package, then to disk.

    load (agentflow.spec) → select → generate (agentflow.generation) → validate/revise
    (agentflow.validation) → write (IntegrationPackage.save_to_directory, agentflow.package)

Only this module sequences the stages. Every stage before the write is pure: nothing is
written to the destination and nothing is printed. Validation runs on a private temporary
copy, written once per build (a revision round rewrites only the files that changed);
generation never touches metadata, validation or disk.

A builder may run several builds at once, from a thread pool as the guide shows: each build
keeps its state to itself, and the history they share is locked, so it holds exactly one record
per build.
"""

from __future__ import annotations

import functools
import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from agentflow.catalog import find_entry
from agentflow.errors import PatternSelectionError, UnknownServiceError, ValidationFailed
from agentflow.generation.backends.base import Revision
from agentflow.generation.generate import GeneratedPackage, generate_package
from agentflow.generation.orchestrator import SmartOrchestrator
from agentflow.generation.revision import revise_failing
from agentflow.package.metadata import (
    METADATA_FILE,
    build_metadata,
    dump_metadata,
    validation_record,
)
from agentflow.package.transaction import write_tree
from agentflow.package.writer import WriteOutcome, write_package
from agentflow.patterns.base import PatternMatch, select_pattern
from agentflow.secret_scan import without_url_passwords
from agentflow.spec.loader import SpecDocument, parse_spec

if TYPE_CHECKING:
    from pydantic import BaseModel

    from agentflow.patterns.base import IntegrationPattern
    from agentflow.spec.models import IntegrationSpec
    from agentflow.validation import ValidationReport

__all__ = [
    "DEFAULT_MIN_SCORE",
    "IntegrationBuilder",
    "IntegrationPackage",
    "Selection",
    "generate",
    "select",
]

DEFAULT_MIN_SCORE = 90.0


@dataclass
class IntegrationPackage:
    """A generated package held in memory: its files, metadata and validation report."""

    service: str
    slug: str
    pattern: str
    files: dict[str, str]
    metadata: dict[str, Any]
    report: ValidationReport | None = None

    def save_to_directory(self, path: str | Path, *, force: bool = False) -> WriteOutcome:
        """Write the package into `path` (the package directory itself), all or nothing;
        `agentflow.package.writer` says what a reader sees meanwhile."""
        return write_package(self.files, Path(path), force=force)


@dataclass
class _StageTimer:
    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = round(time.perf_counter() - start, 4)


class Selection(NamedTuple):
    """The select stage's result: the spec (at its version), its pattern, every pattern's
    score and the pattern's validated requirements."""

    spec: IntegrationSpec
    pattern: IntegrationPattern
    scores: list[PatternMatch]
    requirements: BaseModel


def select(
    document: SpecDocument,
    *,
    integration_type: str | None = None,
    package_version: str | None = None,
) -> Selection:
    """Choose the pattern for a document and validate its requirements with that pattern."""
    spec = document.spec
    if spec.version is None and package_version is not None:
        spec = spec.model_copy(update={"version": package_version})
    pattern, scores = select_pattern(spec.requirements, explicit_type=integration_type or spec.type)
    pattern.ensure_available()
    assert pattern.requirements_model is not None
    requirements = document.validate_requirements(pattern.requirements_model)
    pattern.ensure_available(requirements)
    return Selection(spec, pattern, scores, requirements)


def generate(selected: Selection, orchestrator: SmartOrchestrator) -> GeneratedPackage:
    """The generate stage: the selected package's files, in memory."""
    return generate_package(selected.spec, selected.pattern, selected.requirements, orchestrator)


class IntegrationBuilder:
    """Builds integration packages with an orchestrator and keeps their build metrics.

    `validate=False` skips running the package's checks (the score is then recorded as
    null); `min_score` makes a build below it fail with `ValidationFailed`.
    """

    def __init__(
        self,
        orchestrator: SmartOrchestrator | None = None,
        *,
        validate: bool = True,
        min_score: float | None = None,
    ) -> None:
        self.orchestrator = orchestrator or SmartOrchestrator()
        self.validate = validate
        self.min_score = min_score
        self._history: list[dict[str, Any]] = []
        self._history_lock = threading.Lock()

    def build_integration(
        self,
        service_name: str,
        integration_type: str | None = None,
        requirements: Mapping[str, Any] | None = None,
        *,
        description: str | None = None,
        version: str | None = None,
    ) -> IntegrationPackage:
        """Build a package from Python values, as the guides show.

        Without `requirements`, the service comes from the catalog (`agentflow.catalog`), so
        `build_integration("GitHub")` builds the shipped GitHub entry; a name the catalog does
        not know raises `UnknownServiceError` naming the nearest entries. `requirements={}`
        means these (empty) requirements, not a catalog lookup.
        """
        if requirements is None:
            data = _catalog_data(service_name, integration_type)
        else:
            data = {"service": service_name, "requirements": dict(requirements)}
            if integration_type is not None:
                data["type"] = integration_type
        if description is not None:
            data["description"] = description
        if version is not None:
            data["version"] = version
        document = parse_spec(json.dumps(data, indent=1), source="<build_integration>")
        return self.build(document)

    def build(
        self,
        document: SpecDocument,
        *,
        integration_type: str | None = None,
        load_seconds: float | None = None,
        package_version: str | None = None,
        generated: GeneratedPackage | None = None,
    ) -> IntegrationPackage:
        """Build a package from a loaded requirements document.

        `package_version` replaces the default version when the requirements give none, so a
        regeneration can keep (or bump) the version of the package it replaces; `generated`
        is that generation when it was already made (`agentflow.regeneration`'s probe).
        """
        timer = _StageTimer()
        if load_seconds is not None:
            timer.stages["load"] = round(load_seconds, 4)
        started = time.perf_counter()
        with timer.stage("score"):
            selected = select(
                document, integration_type=integration_type, package_version=package_version
            )
        spec, pattern, scores, requirements = selected
        if generated is None:
            generated = generate(selected, self.orchestrator)
        timer.stages.update(generated.timings)  # revisions count as validation time
        metadata_for = functools.partial(
            _package_metadata, document, spec, pattern.name, scores, self.orchestrator.backend_name
        )
        report = None
        if self.validate:
            with timer.stage("validate"):
                generated, report = self._validated(
                    generated, metadata_for, spec, pattern, requirements
                )
        files, produced = dict(generated.files), generated.produced
        metadata = metadata_for(generated)
        metadata["validation"] = validation_record(report)
        metrics = {
            "duration_seconds": round(time.perf_counter() - started, 4),
            "total_cost": round(sum(g.cost for g in produced), 6),
            "validation_score": metadata["validation"]["score"],
            "stages": timer.stages,
        }
        metadata["build_metrics"] = metrics
        files[METADATA_FILE] = dump_metadata(metadata)
        with self._history_lock:
            self._history.append({"service": spec.service, "pattern": pattern.name, **metrics})
        if report is not None and self.min_score is not None and report.score < self.min_score:
            raise ValidationFailed(
                f"the generated {spec.service} package scored {report.score:.1f}, below the "
                f"minimum {self.min_score:g}; nothing was written",
                report=report,
            )
        return IntegrationPackage(spec.service, spec.slug, pattern.name, files, metadata, report)

    def _validated(
        self,
        generated: GeneratedPackage,
        metadata_for: Callable[[GeneratedPackage], dict[str, Any]],
        spec: IntegrationSpec,
        pattern: IntegrationPattern,
        requirements: BaseModel,
    ) -> tuple[GeneratedPackage, ValidationReport]:
        """The package and its report; model-made files that fail are revised or replaced."""

        def regenerate(
            orchestrator: SmartOrchestrator, previous: GeneratedPackage, revise: dict[str, Revision]
        ) -> GeneratedPackage:
            return generate_package(
                spec, pattern, requirements, orchestrator, previous=previous, revise=revise
            )

        # Imported before the private folder is made, so that the folder exists only once
        # validation can start (an interrupt then meets the checks, which clean up).
        from agentflow.validation import validate_package

        with tempfile.TemporaryDirectory(prefix="agentflow-validate-") as folder:
            copy = _ValidationCopy(Path(folder) / spec.slug, validate_package)

            def validate(package: GeneratedPackage) -> ValidationReport:
                metadata = dump_metadata(metadata_for(package))
                return copy.validate({**package.files, METADATA_FILE: metadata})

            report = validate(generated)
            if not self.orchestrator.calls_models:
                return generated, report
            return revise_failing(
                generated,
                report,
                orchestrator=self.orchestrator,
                regenerate=regenerate,
                validate=validate,
            )

    def get_build_history(self) -> list[dict[str, Any]]:
        """One record per build: service, pattern, duration, cost, score, stage timings."""
        with self._history_lock:
            return [dict(record) for record in self._history]

    def get_average_metrics(self) -> dict[str, Any]:
        """Averages over every build so far."""
        history = self.get_build_history()
        count = len(history)
        if not count:
            return {
                "builds": 0,
                "avg_duration_seconds": 0.0,
                "avg_cost": 0.0,
                "avg_validation_score": None,
            }
        scores = [r["validation_score"] for r in history if r["validation_score"] is not None]
        return {
            "builds": count,
            "avg_duration_seconds": round(sum(r["duration_seconds"] for r in history) / count, 4),
            "avg_cost": round(sum(r["total_cost"] for r in history) / count, 6),
            "avg_validation_score": (round(sum(scores) / len(scores), 2) if scores else None),
        }


def _catalog_data(service_name: str, integration_type: str | None) -> dict[str, Any]:
    """The envelope of the catalog entry `service_name`; a type given must be the entry's."""
    try:
        entry = find_entry(service_name)
    except UnknownServiceError as exc:
        raise UnknownServiceError(
            f"{exc.message}; to build a service of your own, pass its requirements",
            suggestions=exc.suggestions,
        ) from None
    if integration_type is not None and integration_type != entry.pattern:
        raise PatternSelectionError(
            f"the catalog entry {entry.name} is of type {entry.pattern!r}, not "
            f"{integration_type!r}; leave out integration_type, or pass requirements to "
            "describe the service yourself"
        )
    spec = entry.document().spec
    return {
        "service": spec.service,
        "type": entry.pattern,
        "description": spec.description,
        "version": spec.version,
        "requirements": spec.requirements,
    }


def _package_metadata(
    document: SpecDocument,
    spec: IntegrationSpec,
    pattern: str,
    scores: Sequence[PatternMatch],
    backend: str,
    package: GeneratedPackage,
) -> dict[str, Any]:
    """metadata.json of a generated package, before validation and build metrics."""
    return build_metadata(
        service=spec.service,
        slug=spec.slug,
        pattern=pattern,
        source_spec={
            "service": spec.service,
            "type": pattern,
            "description": spec.description,
            "version": document.spec.version,
            "requirements": without_url_passwords(
                json.loads(json.dumps(spec.requirements, default=str))
            ),
        },
        package_version=package.context["version"],
        backend=backend,
        input_sha256=document.input_sha256,
        requirements=package.context["config"],
        scores=scores,
        files=dict(package.files),
        produced=package.produced,
    )


class _ValidationCopy:
    """A private copy of a package under validation, in the folder `root` (created here).

    The first round writes the package; a revision round rewrites only the files that
    changed and removes those no longer produced. Nobody else sees the folder, so the files
    are written plainly (their paths checked), without the writer's lock or renames. An
    OSError is the caller's to report (`agentflow.workflows.building`).
    """

    def __init__(self, root: Path, validate_package: Callable[[Path], ValidationReport]) -> None:
        self.root = root
        self.root.mkdir()
        self._validate_package = validate_package
        self._written: dict[str, str] = {}

    def validate(self, files: Mapping[str, str]) -> ValidationReport:
        """The report on `files` (`{relative path: text}`, metadata.json included)."""
        for name in sorted(set(self._written) - set(files)):
            (self.root / name).unlink()
        changed = {n: t.encode("utf-8") for n, t in files.items() if self._written.get(n) != t}
        write_tree(self.root, changed)
        self._written = dict(files)
        return self._validate_package(self.root)

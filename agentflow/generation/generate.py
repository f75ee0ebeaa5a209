"""Produce a package's files for a validated spec: context, orchestration, helpers, format."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from agentflow.generation.backends import GeneratedFile
from agentflow.generation.backends.base import Revision
from agentflow.generation.context import common_context
from agentflow.generation.formatting import format_files
from agentflow.generation.orchestrator import SmartOrchestrator
from agentflow.generation.support import support_files
from agentflow.patterns.base import IntegrationPattern
from agentflow.spec.models import IntegrationSpec

__all__ = ["GeneratedPackage", "build_context", "generate_package", "render_package"]


@dataclass(frozen=True)
class GeneratedPackage:
    """Formatted files (`{relative path: text}`), what produced each, and stage timings."""

    files: dict[str, str]
    produced: list[GeneratedFile]
    context: dict[str, Any]
    timings: dict[str, float]


def build_context(
    spec: IntegrationSpec, pattern: IntegrationPattern, requirements: BaseModel
) -> dict[str, Any]:
    """The full template context: common variables plus the pattern's own."""
    return {
        **common_context(spec, requirements),
        **pattern.build_context(requirements, slug=spec.slug),
    }


def generate_package(
    spec: IntegrationSpec,
    pattern: IntegrationPattern,
    requirements: BaseModel,
    orchestrator: SmartOrchestrator,
    *,
    previous: GeneratedPackage | None = None,
    revise: Mapping[str, Revision] | None = None,
) -> GeneratedPackage:
    """Every file of the package, helpers included, formatted.

    With `previous`, only the subtasks in `revise` (and those depending on them) are produced
    again; the other files are kept.
    """
    started = time.perf_counter()
    context = build_context(spec, pattern, requirements)
    subtasks = pattern.decompose(spec.requirements)
    earlier = {g.subtask: g for g in previous.produced if g.subtask} if previous else None
    produced = orchestrator.run(
        pattern, subtasks, context, slug=spec.slug, previous=earlier, revise=revise
    )
    files = {generated.path: generated.text for generated in produced}
    files.update(support_files(context["utils_module"], pattern.runtime_modules))
    rendered = time.perf_counter()
    formatted = format_files(dict(sorted(files.items())))
    timings = {
        "render": round(rendered - started, 4),
        "format": round(time.perf_counter() - rendered, 4),
    }
    return GeneratedPackage(formatted, produced, context, timings)


def render_package(
    spec: IntegrationSpec, pattern: IntegrationPattern, requirements: BaseModel
) -> dict[str, str]:
    """Every file of the package rendered offline by the template backend (no validation)."""
    return generate_package(spec, pattern, requirements, SmartOrchestrator("template")).files

"""Render a pattern's files for a validated spec: the pure core of the template backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agentflow.formatting import format_files
from agentflow.orchestration.context import common_context
from agentflow.orchestration.integration_patterns import IntegrationPattern, Subtask
from agentflow.orchestration.support import support_files
from agentflow.rendering import TEMPLATES_ROOT, render
from agentflow.spec.models import IntegrationSpec

__all__ = ["build_context", "render_package", "render_subtask", "template_dirs"]

SHARED_TEMPLATES = TEMPLATES_ROOT / "_shared"


def template_dirs(pattern: IntegrationPattern) -> tuple[Path, ...]:
    """Where a pattern's templates are looked up: its own folder, then the shared macros."""
    return (pattern.get_template_dir(), SHARED_TEMPLATES)


def build_context(
    spec: IntegrationSpec, pattern: IntegrationPattern, requirements: BaseModel
) -> dict[str, Any]:
    """The full template context: common variables plus the pattern's own."""
    return {
        **common_context(spec, requirements),
        **pattern.build_context(requirements, slug=spec.slug),
    }


def render_subtask(subtask: Subtask, pattern: IntegrationPattern, context: dict[str, Any]) -> str:
    """Render one subtask's template with `context`."""
    return render(template_dirs(pattern), subtask.template, context)


def render_package(
    spec: IntegrationSpec, pattern: IntegrationPattern, requirements: BaseModel
) -> dict[str, str]:
    """Every file of the package, rendered offline and black-formatted, helpers included."""
    context = build_context(spec, pattern, requirements)
    files = {
        subtask.output_path(spec.slug): render_subtask(subtask, pattern, context)
        for subtask in pattern.decompose(spec.requirements)
    }
    files.update(support_files(context["utils_module"]))
    return format_files(dict(sorted(files.items())))

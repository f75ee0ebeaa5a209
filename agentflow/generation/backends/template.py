"""The default backend: render the pattern's Jinja template, offline and deterministically."""

from __future__ import annotations

from pathlib import Path

from agentflow.generation.backends.base import GeneratedFile, GenerationRequest
from agentflow.generation.rendering import TEMPLATES_ROOT, render
from agentflow.patterns.base import IntegrationPattern

__all__ = ["SHARED_TEMPLATES", "TemplateBackend", "template_dirs"]

SHARED_TEMPLATES = TEMPLATES_ROOT / "_shared"


def template_dirs(pattern: IntegrationPattern) -> tuple[Path, ...]:
    """Where a pattern's templates are looked up: its own folder, then the shared macros."""
    return (pattern.get_template_dir(), SHARED_TEMPLATES)


class TemplateBackend:
    """Renders templates; costs nothing and needs no network."""

    name = "template"

    def generate(self, request: GenerationRequest) -> GeneratedFile:
        """Render the subtask's template with the request's context."""
        text = render(template_dirs(request.pattern), request.subtask.template, request.context)
        return GeneratedFile(request.path, text, request.subtask.id, provenance=self.name)

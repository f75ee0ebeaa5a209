"""The default backend: render the pattern's Jinja template, offline and deterministically."""

from __future__ import annotations

from agentflow.orchestration.backends.base import GeneratedFile, GenerationRequest
from agentflow.orchestration.generate import render_subtask

__all__ = ["TemplateBackend"]


class TemplateBackend:
    """Renders templates; costs nothing and needs no network."""

    name = "template"

    def generate(self, request: GenerationRequest) -> GeneratedFile:
        """Render the subtask's template with the request's context."""
        text = render_subtask(request.subtask, request.pattern, dict(request.context))
        return GeneratedFile(request.path, text, request.subtask.id, provenance=self.name)

"""Orchestrator backends: the offline template backend is the default."""

from agentflow.orchestration.backends.base import (
    Backend,
    GeneratedFile,
    GenerationRequest,
)
from agentflow.orchestration.backends.template import TemplateBackend

__all__ = [
    "BACKENDS",
    "Backend",
    "GeneratedFile",
    "GenerationRequest",
    "TemplateBackend",
]

BACKENDS: dict[str, type[TemplateBackend]] = {"template": TemplateBackend}

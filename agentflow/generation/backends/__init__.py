"""Orchestrator backends: the offline template backend is the default.

Offline backends are zero-argument classes producing a `GeneratedFile` per subtask; besides
the built-in ones, packages register theirs under the entry-point group `agentflow.backends`.
Model providers (`openai`, `anthropic`, `deepseek`, `ollama`) are not listed here: their
backend is `model.ModelBackend`, which enriches the template output with each provider in turn.
"""

from functools import cache
from importlib.metadata import entry_points

from agentflow.errors import PluginError
from agentflow.generation.backends.base import (
    Backend,
    GeneratedFile,
    GenerationRequest,
)
from agentflow.generation.backends.template import TemplateBackend

__all__ = [
    "BACKENDS",
    "ENTRY_POINT_GROUP",
    "Backend",
    "GeneratedFile",
    "GenerationRequest",
    "TemplateBackend",
    "load_backends",
]

ENTRY_POINT_GROUP = "agentflow.backends"

BACKENDS: dict[str, type[Backend]] = {"template": TemplateBackend}


@cache
def load_backends() -> dict[str, type[Backend]]:
    """Built-in offline backends plus those registered under `agentflow.backends`, read once
    per process like the patterns.

    A registration that fails to load or is not a class is a `PluginError` naming it, so a
    broken install is reported rather than silently ignored.
    """
    found = dict(BACKENDS)
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            cls = ep.load()
        except Exception as exc:
            raise PluginError(f"backend plugin {ep.name!r} ({ep.value}) failed: {exc}") from exc
        if not isinstance(cls, type):
            raise PluginError(f"backend plugin {ep.name!r} ({ep.value}) is not a class")
        found.setdefault(ep.name, cls)
    return found

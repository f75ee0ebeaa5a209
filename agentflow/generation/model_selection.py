"""Which model each provider uses for a subtask, by the subtask's complexity.

Simple subtasks (docs, examples) go to the provider's cheaper model, complex ones (the adapter
and its tests) to its stronger one, as the provider table (`backends.providers.PROVIDERS`)
says. With model selection off, every subtask uses the complex model; an explicit model
overrides the table for every subtask.
"""

from __future__ import annotations

from agentflow.errors import InputError
from agentflow.generation.backends.providers import PROVIDERS, Complexity

__all__ = ["select_model"]


def select_model(
    provider: str,
    complexity: Complexity,
    *,
    enabled: bool = True,
    override: str | None = None,
) -> str:
    """The model `provider` should use for a subtask of `complexity`."""
    if override:
        return override
    info = PROVIDERS.get(provider)
    if info is None:
        known = ", ".join(sorted(PROVIDERS))
        raise InputError(f"no model table for provider {provider!r} (known: {known}); give a model")
    return info.model(complexity if enabled else "complex")

"""Which model each provider uses for a subtask, by the subtask's complexity.

Simple subtasks (docs, examples) go to the cheaper model; complex ones (the adapter and its
tests) to the stronger one:

    provider    simple                      complex
    openai      gpt-4o-mini                 gpt-4o
    anthropic   claude-3-5-haiku-latest     claude-sonnet-4-20250514
    deepseek    deepseek-chat               deepseek-chat
    ollama      llama3.1:8b                 qwen2.5-coder:14b

With model selection off, every subtask uses the complex model; an explicit model overrides
the table for every subtask.
"""

from __future__ import annotations

from typing import Literal

from agentflow.errors import InputError

__all__ = ["MODEL_TABLE", "select_model"]

Complexity = Literal["simple", "complex"]

MODEL_TABLE: dict[str, dict[Complexity, str]] = {
    "openai": {"simple": "gpt-4o-mini", "complex": "gpt-4o"},
    "anthropic": {"simple": "claude-3-5-haiku-latest", "complex": "claude-sonnet-4-20250514"},
    "deepseek": {"simple": "deepseek-chat", "complex": "deepseek-chat"},
    "ollama": {"simple": "llama3.1:8b", "complex": "qwen2.5-coder:14b"},
}


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
    models = MODEL_TABLE.get(provider)
    if models is None:
        known = ", ".join(sorted(MODEL_TABLE))
        raise InputError(f"no model table for provider {provider!r} (known: {known}); give a model")
    return models[complexity if enabled else "complex"]

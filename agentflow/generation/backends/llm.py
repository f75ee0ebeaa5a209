"""The contract between the orchestrator and model providers: one chat completion.

A `ChatClient` sends a `ChatRequest` to a provider (OpenAI-compatible Chat Completions, or
Anthropic Messages) and returns a `ChatResponse` with the provider's own usage figures, or
raises `agentflow.errors.LLMError` whose `kind` classifies the failure: `auth`, `rate_limit`,
`unavailable`, `timeout`, `bad_response` (not JSON, wrong shape), `truncated` (the model hit
its token limit), `refused` (the provider declined), `budget` (the call would exceed the cost
limit). Clients never log or store API keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["ChatClient", "ChatRequest", "ChatResponse"]


@dataclass(frozen=True)
class ChatRequest:
    """One completion to ask for: instructions, the user prompt, and limits."""

    model: str
    system: str
    prompt: str
    max_tokens: int = 8192
    temperature: float = 0.0


@dataclass(frozen=True)
class ChatResponse:
    """A completed answer with the provider's token counts (for cost)."""

    text: str
    model: str
    input_tokens: int
    output_tokens: int


class ChatClient(Protocol):
    """A model provider; `provider` names it in provenance and the price table."""

    provider: str

    def complete(self, request: ChatRequest) -> ChatResponse:
        """Send `request`; raise `LLMError` on any failure."""
        ...

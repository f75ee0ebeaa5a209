"""The Anthropic Messages protocol: system prompt apart, content as typed blocks.

Only `text` blocks make up the answer (thinking or tool blocks are skipped). A reply stopped at
the token limit (`stop_reason: max_tokens`) or declined (`refusal`) raises `LLMError`. Overload
arrives as HTTP 529 with an `overloaded_error` body and is retried like a 503.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.generation.backends.http_chat import HttpChatClient
from agentflow.generation.backends.llm import ChatRequest, ChatResponse

__all__ = ["ANTHROPIC_VERSION", "AnthropicChatClient"]

ANTHROPIC_VERSION = "2023-06-01"
_USAGE = ("input_tokens", "output_tokens")


class AnthropicChatClient(HttpChatClient):
    """A `ChatClient` for `POST {base_url}/v1/messages` with an `x-api-key` header."""

    provider = "anthropic"
    api_key_env = "ANTHROPIC_API_KEY"
    base_url = "https://api.anthropic.com"

    def _path(self) -> str:
        return "/v1/messages"

    def _key_headers(self) -> Mapping[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if self._api_key:
            headers["x-api-key"] = self._api_key
        return headers

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        return {
            "model": request.model,
            "system": request.system,
            "messages": [{"role": "user", "content": request.prompt}],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }

    def _parse(self, payload: dict[str, Any], request: ChatRequest) -> ChatResponse:
        unusable = _unusable(payload.get("stop_reason"), request)
        tokens = self._usage(payload, _USAGE, required=unusable is None)
        if unusable is not None:
            kind, reason = unusable
            raise self._error(reason, kind=kind, billed_tokens=tokens)
        blocks = payload["content"]
        if not isinstance(blocks, list):
            raise ValueError("content")
        text = "".join(str(b["text"]) for b in blocks if b.get("type") == "text")
        return ChatResponse(
            text=text,
            model=str(payload.get("model") or request.model),
            input_tokens=tokens[0],
            output_tokens=tokens[1],
        )


def _unusable(stop: object, request: ChatRequest) -> tuple[str, str] | None:
    """(kind, reason) for a reply refused or cut off; None for a usable one."""
    if stop == "refusal":
        return "refused", "refused (stop_reason: refusal)"
    if stop == "max_tokens":
        return "truncated", f"reply cut off at max_tokens={request.max_tokens}"
    return None

"""The Anthropic Messages protocol: system prompt apart, content as typed blocks.

Only `text` blocks make up the answer (thinking or tool blocks are skipped). A reply stopped at
the token limit (`stop_reason: max_tokens`) or declined (`refusal`) raises `LLMError`. Overload
arrives as HTTP 529 with an `overloaded_error` body and is retried like a 503.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.orchestration.backends.http_chat import HttpChatClient
from agentflow.orchestration.backends.llm import ChatRequest, ChatResponse

__all__ = ["ANTHROPIC_VERSION", "AnthropicChatClient"]

ANTHROPIC_VERSION = "2023-06-01"


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
        stop = payload.get("stop_reason")
        usage = payload.get("usage") or {}
        billed = (int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0)))
        if stop == "refusal":
            refused = "refused (stop_reason: refusal)"
            raise self._error(refused, kind="refused", billed_tokens=billed)
        if stop == "max_tokens":
            cut = f"reply cut off at max_tokens={request.max_tokens}"
            raise self._error(cut, kind="truncated", billed_tokens=billed)
        blocks = payload["content"]
        if not isinstance(blocks, list):
            raise ValueError("content")
        text = "".join(str(b["text"]) for b in blocks if b.get("type") == "text")
        return ChatResponse(
            text=text,
            model=str(payload.get("model") or request.model),
            input_tokens=int(usage["input_tokens"]),
            output_tokens=int(usage["output_tokens"]),
        )

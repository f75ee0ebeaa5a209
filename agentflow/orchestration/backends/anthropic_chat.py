"""The Anthropic Messages protocol: system prompt apart, content as typed blocks.

Only `text` blocks make up the answer (thinking or tool blocks are skipped). A reply stopped at
the token limit (`stop_reason: max_tokens`) or declined (`refusal`) raises `LLMError`. Overload
arrives as HTTP 529 with an `overloaded_error` body and is retried like a 503.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from agentflow.orchestration.backends.http_chat import DEFAULT_RETRY, HttpChatClient
from agentflow.orchestration.backends.llm import ChatRequest, ChatResponse
from agentflow.orchestration.utils.retry import RetryPolicy

__all__ = ["ANTHROPIC_VERSION", "AnthropicChatClient"]

ANTHROPIC_VERSION = "2023-06-01"


class AnthropicChatClient(HttpChatClient):
    """A `ChatClient` for `POST {base_url}/v1/messages` with an `x-api-key` header."""

    def __init__(
        self,
        *,
        provider: str = "anthropic",
        api_key: str | None = None,
        api_key_env: str = "ANTHROPIC_API_KEY",
        base_url: str = "https://api.anthropic.com",
        timeout: float = 120.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            provider=provider,
            api_key=api_key,
            api_key_env=api_key_env,
            base_url=base_url,
            timeout=timeout,
            retry=retry,
            transport=transport,
            sleep=sleep,
        )

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

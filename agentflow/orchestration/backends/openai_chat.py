"""The OpenAI Chat Completions protocol, also spoken by DeepSeek, Ollama, vLLM and llama.cpp.

One client serves them all: only the base URL, the key's environment variable and the provider
name differ. A reply cut off at the token limit (`finish_reason: length`), filtered
(`content_filter`) or declined (a `refusal` field) raises `LLMError`, since the text it carries
is not a usable file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agentflow.orchestration.backends.http_chat import HttpChatClient
from agentflow.orchestration.backends.llm import ChatRequest, ChatResponse

__all__ = ["OpenAIChatClient"]

_REASONING_MODEL = re.compile(r"(o\d|gpt-5)($|[-.])")


class OpenAIChatClient(HttpChatClient):
    """A `ChatClient` for `POST {base_url}/chat/completions` with a Bearer key."""

    provider = "openai"
    api_key_env = "OPENAI_API_KEY"
    base_url = "https://api.openai.com/v1"

    def _path(self) -> str:
        return "/chat/completions"

    def _key_headers(self) -> Mapping[str, str]:
        return {"authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.prompt},
            ],
        }
        if _REASONING_MODEL.match(request.model):  # they refuse max_tokens and temperature
            body["max_completion_tokens"] = request.max_tokens
        else:
            body.update(max_tokens=request.max_tokens, temperature=request.temperature)
        return body

    def _parse(self, payload: dict[str, Any], request: ChatRequest) -> ChatResponse:
        choice = payload["choices"][0]
        message = choice["message"]
        finish = choice.get("finish_reason")
        usage = payload.get("usage") or {}
        billed = (int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)))
        if message.get("refusal"):
            refused = f"refused: {message['refusal']}"
            raise self._error(refused, kind="refused", billed_tokens=billed)
        if finish == "content_filter":
            filtered = "reply withheld by the content filter"
            raise self._error(filtered, kind="refused", billed_tokens=billed)
        if finish == "length":
            cut = f"reply cut off at max_tokens={request.max_tokens}"
            raise self._error(cut, kind="truncated", billed_tokens=billed)
        content = message["content"]
        if not isinstance(content, str):
            raise ValueError("choices[0].message.content")
        return ChatResponse(
            text=content,
            model=str(payload.get("model") or request.model),
            input_tokens=int(usage["prompt_tokens"]),
            output_tokens=int(usage["completion_tokens"]),
        )

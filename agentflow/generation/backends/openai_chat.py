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

from agentflow.generation.backends.http_chat import HttpChatClient
from agentflow.generation.backends.llm import ChatRequest, ChatResponse

__all__ = ["OpenAIChatClient"]

_REASONING_MODEL = re.compile(r"(o\d|gpt-5)($|[-.])")
_USAGE = ("prompt_tokens", "completion_tokens")


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
        unusable = _unusable(message, choice.get("finish_reason"), request)
        tokens = self._usage(payload, _USAGE, required=unusable is None)
        if unusable is not None:
            kind, reason = unusable
            raise self._error(reason, kind=kind, billed_tokens=tokens)
        content = message["content"]
        if not isinstance(content, str):
            raise ValueError("choices[0].message.content")
        return ChatResponse(
            text=content,
            model=str(payload.get("model") or request.model),
            input_tokens=tokens[0],
            output_tokens=tokens[1],
        )


def _unusable(
    message: dict[str, Any], finish: object, request: ChatRequest
) -> tuple[str, str] | None:
    """(kind, reason) for a reply refused, filtered or cut off; None for a usable one."""
    if message.get("refusal"):
        return "refused", f"refused: {message['refusal']}"
    if finish == "content_filter":
        return "refused", "reply withheld by the content filter"
    if finish == "length":
        return "truncated", f"reply cut off at max_tokens={request.max_tokens}"
    return None

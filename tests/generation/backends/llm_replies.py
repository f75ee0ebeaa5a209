"""What the fake provider in `llm_server` can be scripted to answer, in both protocols' formats.

A `Reply` says what should happen (a completion, an error status, a dropped connection...);
`render` turns it into the exact HTTP answer OpenAI or Anthropic would send for it.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"
COUNTED = "<counted>"  # `usage` as the provider counts it (the default)
MISSING = "<missing>"  # no `usage` field at all

_OPENAI_ERRORS = {400: "invalid_request_error", 401: "invalid_request_error", 429: "requests"}
_ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


@dataclass(frozen=True)
class Reply:
    """One scripted answer; built with the factories below, rendered per protocol."""

    kind: str
    text: str = "ok"
    code: int = 200
    retry_after: str | None = None
    retry_after_ms: int | None = None
    message: str | None = None
    delay: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None
    usage: Any = COUNTED


def with_usage(reply: Reply, usage: Any) -> Reply:
    """`reply` with this exact `usage` value (any JSON, even `float("inf")`), or `MISSING`."""
    return replace(reply, usage=usage)


def ok(
    text: str = "ok", *, input_tokens: int | None = None, output_tokens: int | None = None
) -> Reply:
    """A normal completion; tokens default to about four characters a token."""
    return Reply("ok", text=text, input_tokens=input_tokens, output_tokens=output_tokens)


def status(
    code: int,
    *,
    retry_after: float | str | None = None,
    retry_after_ms: int | None = None,
    message: str | None = None,
) -> Reply:
    """An error status with the provider's JSON error body and an optional Retry-After."""
    after = None if retry_after is None else str(retry_after)
    return Reply(
        "status", code=code, retry_after=after, retry_after_ms=retry_after_ms, message=message
    )


def delay(seconds: float, text: str = "ok") -> Reply:
    """A completion sent only after `seconds` (to trigger client timeouts or add latency)."""
    return Reply("ok", text=text, delay=seconds)


def drop() -> Reply:
    """Close the connection without sending any response."""
    return Reply("drop")


def html(code: int = 200) -> Reply:
    """An HTML page instead of JSON, as a proxy or captive portal would send."""
    return Reply("html", code=code)


def truncated_json() -> Reply:
    """A 200 whose JSON body is cut off part way."""
    return Reply("truncated_json")


def finish_length(
    text: str = "def partial(", *, input_tokens: int | None = None, output_tokens: int | None = None
) -> Reply:
    """A completion stopped at the token limit (`length` / `max_tokens`), billed all the same."""
    return Reply("length", text=text, input_tokens=input_tokens, output_tokens=output_tokens)


def refusal(text: str = "I can't help with that.") -> Reply:
    """A declined request (OpenAI `refusal` field / Anthropic `stop_reason: refusal`)."""
    return Reply("refusal", text=text)


def content_filter() -> Reply:
    """An OpenAI completion withheld by the content filter (a refusal on Anthropic)."""
    return Reply("content_filter")


@dataclass
class Answer:
    code: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def _tokens(chars: int) -> int:
    return max(1, math.ceil(chars / 4))


def _openai_ok(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    used_in = reply.input_tokens or _tokens(prompt)
    used_out = reply.output_tokens or _tokens(len(reply.text))
    finish = {"length": "length", "content_filter": "content_filter"}.get(reply.kind, "stop")
    refused = reply.kind == "refusal"
    message = {
        "role": "assistant",
        "content": None if refused or reply.kind == "content_filter" else reply.text,
        "refusal": reply.text if refused else None,
    }
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "unknown"),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": used_in,
            "completion_tokens": used_out,
            "total_tokens": used_in + used_out,
        },
    }


def _anthropic_ok(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    prompt = len(str(body.get("system", ""))) + sum(
        len(str(m.get("content", ""))) for m in body.get("messages", [])
    )
    stop = {"length": "max_tokens", "refusal": "refusal", "content_filter": "refusal"}
    blocks = [] if reply.kind in ("refusal", "content_filter") else [reply.text]
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "unknown"),
        "content": [{"type": "text", "text": text} for text in blocks],
        "stop_reason": stop.get(reply.kind, "end_turn"),
        "stop_sequence": None,
        "usage": {
            "input_tokens": reply.input_tokens or _tokens(prompt),
            "output_tokens": reply.output_tokens or _tokens(len(reply.text)),
        },
    }


def _error_body(path: str, code: int, message: str) -> dict[str, Any]:
    if path == ANTHROPIC_PATH:
        kind = _ANTHROPIC_ERRORS.get(code, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    kind = _OPENAI_ERRORS.get(code, "server_error" if code >= 500 else "invalid_request_error")
    code_name = "invalid_api_key" if code == 401 else None
    return {"error": {"message": message, "type": kind, "param": None, "code": code_name}}


def render(path: str, reply: Reply, body: dict[str, Any]) -> Answer:
    """The HTTP answer a provider at `path` would give for `reply`."""
    if reply.kind == "status":
        message = reply.message or f"fake provider error {reply.code}"
        headers = {"retry-after": reply.retry_after} if reply.retry_after is not None else {}
        if reply.retry_after_ms is not None:
            headers["retry-after-ms"] = str(reply.retry_after_ms)
        payload = json.dumps(_error_body(path, reply.code, message)).encode()
        return Answer(reply.code, payload, headers)
    if reply.kind == "html":
        page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        return Answer(reply.code, page, content_type="text/html")
    if reply.kind == "truncated_json":
        return Answer(200, b'{"id": "chatcmpl-fake", "choices": [{"message": {"con')
    render = _anthropic_ok if path == ANTHROPIC_PATH else _openai_ok
    payload = render(reply, body)
    if reply.usage == MISSING:
        del payload["usage"]
    elif reply.usage != COUNTED:
        payload["usage"] = reply.usage
    return Answer(200, json.dumps(payload).encode())

"""An API key never shows in a client's repr, an error message or a log line."""

from __future__ import annotations

import logging

import pytest

from agentflow.errors import LLMError
from agentflow.orchestration.backends.anthropic_chat import AnthropicChatClient
from agentflow.orchestration.backends.llm import ChatRequest
from agentflow.orchestration.backends.openai_chat import OpenAIChatClient
from agentflow.orchestration.utils.retry import RetryPolicy

from .llm_server import ANTHROPIC_PATH, OPENAI_PATH, FakeLLMServer, drop, html, status

KEY = "sk-live-DO-NOT-LEAK-9f8e7d"
REQUEST = ChatRequest(model="gpt-4o", system="s", prompt="p")


def faults() -> list[object]:
    echo = f"Incorrect API key provided: {KEY}"
    return [status(401, message=echo), status(400, message=echo), html(), drop()]


@pytest.mark.parametrize(
    ("make", "path", "base"),
    [
        (OpenAIChatClient, OPENAI_PATH, "openai_base_url"),
        (AnthropicChatClient, ANTHROPIC_PATH, "anthropic_base_url"),
    ],
)
def test_the_key_never_leaks(
    llm_server: FakeLLMServer,
    caplog: pytest.LogCaptureFixture,
    make: type[OpenAIChatClient],
    path: str,
    base: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make(
        api_key=KEY,
        base_url=getattr(llm_server, base),
        retry=RetryPolicy(max_attempts=2),
        sleep=lambda _: None,
    )
    messages = [repr(client), str(vars(client).get("_http"))]
    for fault in faults():
        llm_server.script(path, fault, fault)  # type: ignore[arg-type]
        with pytest.raises(LLMError) as caught:
            client.complete(REQUEST)
        messages += [str(caught.value), repr(caught.value), str(caught.value.__cause__)]
    assert any("Incorrect API key provided: [redacted]" in m for m in messages)
    assert caplog.records, "retries are logged at debug level"
    assert all(KEY not in text for text in [*messages, caplog.text])
    assert all(KEY not in str(r.headers) for r in llm_server.requests)

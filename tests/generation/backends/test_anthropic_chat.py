"""The Anthropic Messages client against the fake provider."""

from __future__ import annotations

import json

import httpx
import pytest

from agentflow.errors import LLMError
from agentflow.generation.backends.anthropic_chat import ANTHROPIC_VERSION, AnthropicChatClient
from agentflow.generation.backends.llm import ChatRequest
from agentflow.runtime.retry import RetryPolicy

from .llm_server import ANTHROPIC_PATH, MASK, FakeLLMServer, finish_length, ok, refusal, status

REQUEST = ChatRequest(
    model="claude-sonnet-4-20250514", system="Write Python.", prompt="A function.", max_tokens=64
)


def client_for(server: FakeLLMServer, sleeps: list[float] | None = None) -> AnthropicChatClient:
    return AnthropicChatClient(
        api_key="sk-ant-test",
        base_url=server.anthropic_base_url,
        retry=RetryPolicy(max_attempts=3, jitter=False),
        sleep=(sleeps if sleeps is not None else []).append,
    )


def test_sends_a_messages_request(llm_server: FakeLLMServer) -> None:
    llm_server.expected_key = "sk-ant-test"
    llm_server.script(ANTHROPIC_PATH, ok("def f(): ...", input_tokens=40, output_tokens=9))
    response = client_for(llm_server).complete(REQUEST)
    assert (response.text, response.input_tokens, response.output_tokens) == (
        "def f(): ...",
        40,
        9,
    )
    (sent,) = llm_server.requests
    assert sent.headers["x-api-key"] == MASK
    assert sent.headers["anthropic-version"] == ANTHROPIC_VERSION
    assert "authorization" not in sent.headers
    assert sent.body == {
        "model": "claude-sonnet-4-20250514",
        "system": "Write Python.",
        "messages": [{"role": "user", "content": "A function."}],
        "max_tokens": 64,
        "temperature": 0.0,
    }


def test_a_wrong_key_is_an_auth_error(llm_server: FakeLLMServer) -> None:
    llm_server.expected_key = "sk-ant-other"
    with pytest.raises(LLMError, match="authentication_error") as caught:
        client_for(llm_server).complete(REQUEST)
    assert caught.value.kind == "auth"
    assert len(llm_server.requests) == 1


def test_overload_529_is_retried_then_reported(llm_server: FakeLLMServer) -> None:
    llm_server.script(ANTHROPIC_PATH, status(529), ok("fine"))
    sleeps: list[float] = []
    assert client_for(llm_server, sleeps).complete(REQUEST).text == "fine"
    assert sleeps == [0.5]
    llm_server.script(ANTHROPIC_PATH, *[status(529, message="Overloaded")] * 3)
    with pytest.raises(LLMError, match="overloaded_error: Overloaded") as caught:
        client_for(llm_server).complete(REQUEST)
    assert caught.value.kind == "unavailable"


def test_rate_limit_honours_retry_after(llm_server: FakeLLMServer) -> None:
    llm_server.script(ANTHROPIC_PATH, status(429, retry_after=7), ok())
    sleeps: list[float] = []
    client_for(llm_server, sleeps).complete(REQUEST)
    assert sleeps == [7.0]


def test_max_tokens_stop_is_truncated(llm_server: FakeLLMServer) -> None:
    llm_server.script(ANTHROPIC_PATH, finish_length())
    with pytest.raises(LLMError, match="max_tokens=64") as caught:
        client_for(llm_server).complete(REQUEST)
    assert caught.value.kind == "truncated"


def test_refusal_stop_is_refused(llm_server: FakeLLMServer) -> None:
    llm_server.script(ANTHROPIC_PATH, refusal())
    with pytest.raises(LLMError) as caught:
        client_for(llm_server).complete(REQUEST)
    assert caught.value.kind == "refused"
    assert len(llm_server.requests) == 1


def test_only_text_blocks_make_the_answer() -> None:
    reply = {
        "content": [
            {"type": "thinking", "thinking": "hmm"},
            {"type": "text", "text": "part one, "},
            {"type": "text", "text": "part two"},
        ],
        "stop_reason": "end_turn",
        "model": "claude-opus-4",
        "usage": {"input_tokens": 5, "output_tokens": 6},
    }
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=json.dumps(reply)))
    client = AnthropicChatClient(api_key="k", transport=transport)
    assert client.complete(REQUEST).text == "part one, part two"

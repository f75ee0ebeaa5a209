"""The OpenAI-protocol client against the fake provider: request shape, replies, faults."""

from __future__ import annotations

import pytest

from agentflow.errors import LLMError
from agentflow.generation.backends.llm import ChatRequest
from agentflow.generation.backends.openai_chat import OpenAIChatClient
from agentflow.runtime.retry import RetryPolicy

from .llm_server import (
    MASK,
    OPENAI_PATH,
    FakeLLMServer,
    content_filter,
    finish_length,
    ok,
    refusal,
    status,
)

REQUEST = ChatRequest(model="gpt-4o-mini", system="Be terse.", prompt="Say hi.", max_tokens=50)


def client_for(server: FakeLLMServer, **kwargs: object) -> OpenAIChatClient:
    options: dict[str, object] = {"api_key": "sk-test-123", "base_url": server.openai_base_url}
    options.update(kwargs)
    return OpenAIChatClient(sleep=lambda _: None, **options)  # type: ignore[arg-type]


def test_sends_a_chat_completions_request(llm_server: FakeLLMServer) -> None:
    llm_server.expected_key = "sk-test-123"
    llm_server.script(OPENAI_PATH, ok("hi", input_tokens=12, output_tokens=3))
    response = client_for(llm_server).complete(REQUEST)
    assert (response.text, response.input_tokens, response.output_tokens) == ("hi", 12, 3)
    assert response.model == "gpt-4o-mini"
    (sent,) = llm_server.requests
    assert sent.path == OPENAI_PATH
    assert sent.headers["authorization"] == f"Bearer {MASK}"
    assert sent.body == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "Say hi."},
        ],
        "max_tokens": 50,
        "temperature": 0.0,
    }


@pytest.mark.parametrize("model", ["o1", "o3-mini", "o4-mini-2025-04-16", "gpt-5", "gpt-5.1"])
def test_reasoning_models_get_max_completion_tokens_and_no_temperature(
    llm_server: FakeLLMServer, model: str
) -> None:
    client_for(llm_server).complete(ChatRequest(model=model, system="s", prompt="p", max_tokens=9))
    (sent,) = llm_server.requests
    assert sent.body["max_completion_tokens"] == 9
    assert "max_tokens" not in sent.body and "temperature" not in sent.body


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4.1-mini", "omni-local", "deepseek-chat"])
def test_other_models_get_max_tokens(llm_server: FakeLLMServer, model: str) -> None:
    client_for(llm_server).complete(ChatRequest(model=model, system="s", prompt="p", max_tokens=9))
    (sent,) = llm_server.requests
    assert (sent.body["max_tokens"], "max_completion_tokens" in sent.body) == (9, False)


def test_a_wrong_key_is_an_auth_error_and_not_retried(llm_server: FakeLLMServer) -> None:
    llm_server.expected_key = "sk-right"
    with pytest.raises(LLMError) as caught:
        client_for(llm_server, api_key="sk-wrong").complete(REQUEST)
    assert caught.value.kind == "auth" and not caught.value.retryable
    assert "invalid_api_key" in str(caught.value)
    assert len(llm_server.requests) == 1


def test_the_key_comes_from_the_environment(
    llm_server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-env")
    llm_server.expected_key = "sk-from-env"
    client = OpenAIChatClient(
        provider="deepseek", api_key_env="DEEPSEEK_API_KEY", base_url=llm_server.openai_base_url
    )
    assert client.complete(REQUEST).text == "ok"
    assert client.provider == "deepseek"


def test_a_local_server_needs_no_key(
    llm_server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = OpenAIChatClient(base_url=llm_server.openai_base_url)
    assert client.complete(REQUEST).text == "ok"
    assert "authorization" not in llm_server.requests[0].headers


def test_a_remote_server_without_a_key_fails_at_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMError, match="OPENAI_API_KEY") as caught:
        OpenAIChatClient()
    assert caught.value.kind == "auth"


@pytest.mark.parametrize(
    ("reply", "kind"),
    [(finish_length(), "truncated"), (refusal(), "refused"), (content_filter(), "refused")],
)
def test_unusable_completions_raise_without_retry(
    llm_server: FakeLLMServer, reply: object, kind: str
) -> None:
    llm_server.script(OPENAI_PATH, reply)  # type: ignore[arg-type]
    with pytest.raises(LLMError) as caught:
        client_for(llm_server).complete(REQUEST)
    assert caught.value.kind == kind
    assert len(llm_server.requests) == 1


def test_a_refusal_carries_the_providers_words(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, refusal("Not today."))
    with pytest.raises(LLMError, match="Not today."):
        client_for(llm_server).complete(REQUEST)


def test_a_bad_request_is_not_retried_and_keeps_the_message(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, status(400, message="max_tokens is too large"))
    with pytest.raises(LLMError, match="max_tokens is too large") as caught:
        client_for(llm_server).complete(REQUEST)
    assert caught.value.kind == "bad_response"
    assert len(llm_server.requests) == 1


def test_insufficient_quota_is_a_rate_limit_not_worth_retrying(
    llm_server: FakeLLMServer,
) -> None:
    llm_server.script(OPENAI_PATH, status(429, message="insufficient_quota: check your plan"))
    with pytest.raises(LLMError) as caught:
        client_for(llm_server, retry=RetryPolicy(max_attempts=3)).complete(REQUEST)
    assert (caught.value.kind, caught.value.retryable) == ("rate_limit", False)
    assert len(llm_server.requests) == 1

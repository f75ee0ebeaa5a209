"""An API key, or any piece of it, never shows in a repr, an error message or a log line."""

from __future__ import annotations

import logging

import pytest

from agentflow.errors import LLMError
from agentflow.generation.backends.anthropic_chat import AnthropicChatClient
from agentflow.generation.backends.key_pieces import ProviderKeys
from agentflow.generation.backends.llm import ChatRequest
from agentflow.generation.backends.openai_chat import OpenAIChatClient
from agentflow.runtime.retry import RetryPolicy

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


@pytest.mark.parametrize(
    "echo",
    [
        f"Incorrect API key provided: {KEY[:10]}",
        f"Incorrect API key provided: {KEY[:10]}****{KEY[-2:]}",
        f"key ...{KEY[-12:]} is revoked",
        f"Incorrect API key provided: {KEY[:4]}{KEY[4:12].upper()}-{KEY[12:20]}",
    ],
)
def test_no_piece_of_the_key_is_echoed(llm_server: FakeLLMServer, echo: str) -> None:
    llm_server.script(OPENAI_PATH, status(401, message=echo))
    client = OpenAIChatClient(api_key=KEY, base_url=llm_server.openai_base_url)
    with pytest.raises(LLMError) as caught:
        client.complete(REQUEST)
    assert caught.value.kind == "auth"
    assert "Incorrect API key provided" in str(caught.value) or "is revoked" in str(caught.value)
    assert not ProviderKeys([KEY]).leaks(str(caught.value)), str(caught.value)


def test_a_piece_of_another_providers_key_is_hidden_too(
    llm_server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = "sk-ant-ANOTHER-PROVIDER-KEY-77"
    monkeypatch.setenv("ANTHROPIC_API_KEY", other)
    llm_server.script(OPENAI_PATH, status(400, message=f"did you mean {other[3:15]}?"))
    client = OpenAIChatClient(api_key=KEY, base_url=llm_server.openai_base_url)
    with pytest.raises(LLMError) as caught:
        client.complete(REQUEST)
    assert "did you mean [redacted]" in str(caught.value)


@pytest.mark.parametrize(
    ("given", "source"), [(None, "OPENAI_API_KEY was refused"), (KEY, "api_key given was refused")]
)
def test_a_refused_key_names_where_it_came_from(
    llm_server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, given: str | None, source: str
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    llm_server.expected_key = "sk-the-right-one"
    client = OpenAIChatClient(api_key=given, base_url=llm_server.openai_base_url)
    with pytest.raises(LLMError, match=source):
        client.complete(REQUEST)


def test_a_keyless_local_server_that_wants_a_key_says_which_to_set(
    llm_server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    llm_server.expected_key = "sk-ant-local"
    client = AnthropicChatClient(base_url=llm_server.anthropic_base_url)
    with pytest.raises(LLMError, match="no key was sent: set ANTHROPIC_API_KEY"):
        client.complete(REQUEST)

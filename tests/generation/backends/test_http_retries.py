"""Retries, backoff and fault mapping shared by both protocols, against a real socket."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from agentflow.errors import LLMError
from agentflow.generation.backends.llm import ChatRequest
from agentflow.generation.backends.openai_chat import OpenAIChatClient
from agentflow.runtime.retry import RetryPolicy

from .llm_server import OPENAI_PATH, FakeLLMServer, delay, drop, html, ok, status, truncated_json

REQUEST = ChatRequest(model="gpt-4o", system="s", prompt="p", max_tokens=20)
NO_JITTER = RetryPolicy(max_attempts=3, backoff_base=0.5, backoff_max=4.0, jitter=False)


def client(
    server: FakeLLMServer, sleeps: list[float], *, retry: RetryPolicy = NO_JITTER, **kw: float
) -> OpenAIChatClient:
    return OpenAIChatClient(
        api_key="sk-test",
        base_url=server.openai_base_url,
        retry=retry,
        sleep=sleeps.append,
        timeout=kw.get("timeout", 5.0),
    )


def test_retry_after_seconds_is_honoured(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, status(429, retry_after=2), ok("done"))
    sleeps: list[float] = []
    assert client(llm_server, sleeps).complete(REQUEST).text == "done"
    assert sleeps == [2.0]
    assert len(llm_server.requests) == 2


def test_openai_retry_after_ms_is_preferred(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, status(429, retry_after=2, retry_after_ms=1250), ok())
    sleeps: list[float] = []
    client(llm_server, sleeps).complete(REQUEST)
    assert sleeps == [1.25]


def test_retry_after_is_capped(llm_server: FakeLLMServer) -> None:
    policy = RetryPolicy(max_attempts=2, retry_after_max=5.0)
    llm_server.script(OPENAI_PATH, status(503, retry_after=999), ok())
    sleeps: list[float] = []
    client(llm_server, sleeps, retry=policy).complete(REQUEST)
    assert sleeps == [5.0]


def test_retry_after_as_an_http_date(llm_server: FakeLLMServer) -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    llm_server.script(OPENAI_PATH, status(429, retry_after=when), ok())
    sleeps: list[float] = []
    client(llm_server, sleeps).complete(REQUEST)
    assert len(sleeps) == 1 and 25.0 < sleeps[0] <= 30.0


def test_without_retry_after_the_backoff_grows(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, status(500), status(502), ok())
    sleeps: list[float] = []
    client(llm_server, sleeps).complete(REQUEST)
    assert sleeps == [0.5, 1.0]


def test_jittered_backoff_stays_under_the_ceiling(llm_server: FakeLLMServer) -> None:
    policy = RetryPolicy(max_attempts=4, backoff_base=1.0, backoff_max=1.5)
    llm_server.script(OPENAI_PATH, status(503), status(503), status(503), ok())
    sleeps: list[float] = []
    client(llm_server, sleeps, retry=policy).complete(REQUEST)
    assert len(sleeps) == 3 and all(0.0 <= s <= 1.5 for s in sleeps)


@pytest.mark.parametrize("code", [408, 409, 429, 500, 502, 503, 504, 529])
def test_transient_statuses_are_retried(llm_server: FakeLLMServer, code: int) -> None:
    llm_server.script(OPENAI_PATH, status(code), ok("after"))
    assert client(llm_server, []).complete(REQUEST).text == "after"
    assert len(llm_server.requests) == 2


@pytest.mark.parametrize(("code", "kind"), [(401, "auth"), (403, "auth"), (404, "bad_response")])
def test_client_errors_are_not_retried(llm_server: FakeLLMServer, code: int, kind: str) -> None:
    llm_server.script(OPENAI_PATH, status(code))
    sleeps: list[float] = []
    with pytest.raises(LLMError) as caught:
        client(llm_server, sleeps).complete(REQUEST)
    assert caught.value.kind == kind and not caught.value.retryable
    assert sleeps == [] and len(llm_server.requests) == 1


def test_giving_up_keeps_the_last_kind(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, status(503), status(503), status(429, retry_after=1))
    sleeps: list[float] = []
    with pytest.raises(LLMError, match="after 3 attempts") as caught:
        client(llm_server, sleeps).complete(REQUEST)
    assert caught.value.kind == "rate_limit"
    assert len(llm_server.requests) == 3 and len(sleeps) == 2


def test_a_slow_reply_times_out_and_is_retried(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, delay(0.5), ok("fast"))
    sleeps: list[float] = []
    assert client(llm_server, sleeps, timeout=0.1).complete(REQUEST).text == "fast"
    assert len(sleeps) == 1


def test_timeouts_that_persist_raise_timeout(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, delay(0.5), delay(0.5))
    policy = RetryPolicy(max_attempts=2, jitter=False, backoff_base=0.0)
    with pytest.raises(LLMError) as caught:
        client(llm_server, [], retry=policy, timeout=0.1).complete(REQUEST)
    assert caught.value.kind == "timeout"


def test_a_dropped_connection_is_unavailable_and_retried(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, drop(), ok("back"))
    assert client(llm_server, []).complete(REQUEST).text == "back"
    llm_server.script(OPENAI_PATH, drop(), drop(), drop())
    with pytest.raises(LLMError) as caught:
        client(llm_server, []).complete(REQUEST)
    assert caught.value.kind == "unavailable"


def test_a_refused_connection_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = OpenAIChatClient(
        base_url=f"http://127.0.0.1:{port}/v1", retry=RetryPolicy(max_attempts=1)
    )
    with pytest.raises(LLMError) as caught:
        refused.complete(REQUEST)
    assert (caught.value.kind, caught.value.retryable) == ("unavailable", True)


@pytest.mark.parametrize("fault", [html(), truncated_json(), html(502)])
def test_unreadable_bodies_are_bad_responses_retried(
    llm_server: FakeLLMServer, fault: object
) -> None:
    llm_server.script(OPENAI_PATH, fault, ok("clean"))  # type: ignore[arg-type]
    assert client(llm_server, []).complete(REQUEST).text == "clean"
    llm_server.script(OPENAI_PATH, fault, fault, fault)  # type: ignore[arg-type]
    with pytest.raises(LLMError) as caught:
        client(llm_server, []).complete(REQUEST)
    assert caught.value.kind in {"bad_response", "unavailable"}


def test_an_html_200_is_a_bad_response(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, html(), html(), html())
    with pytest.raises(LLMError, match="not JSON .*text/html") as caught:
        client(llm_server, []).complete(REQUEST)
    assert caught.value.kind == "bad_response"


@pytest.mark.parametrize(
    "payload",
    [{"choices": []}, {"choices": [{"message": {"content": "x"}}]}, [1, 2], {"usage": {}}],
)
def test_json_of_the_wrong_shape_is_a_bad_response_not_retried(payload: object) -> None:
    calls: list[httpx.Request] = []
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=json.dumps(payload).encode())

    wrong = OpenAIChatClient(
        base_url="http://127.0.0.1:9/v1",
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
    )
    with pytest.raises(LLMError) as caught:
        wrong.complete(REQUEST)
    assert caught.value.kind == "bad_response" and not caught.value.retryable
    assert len(calls) == 1 and sleeps == []

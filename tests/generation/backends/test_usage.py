"""Token counts in a reply are checked before they become a cost, in both protocols."""

from __future__ import annotations

from typing import Any

import pytest

from agentflow.errors import LLMError
from agentflow.generation.backends.anthropic_chat import AnthropicChatClient
from agentflow.generation.backends.http_chat import MAX_USAGE_TOKENS, HttpChatClient
from agentflow.generation.backends.llm import ChatRequest
from agentflow.generation.backends.openai_chat import OpenAIChatClient
from agentflow.runtime.retry import RetryPolicy

from .llm_server import (
    ANTHROPIC_PATH,
    MISSING,
    OPENAI_PATH,
    FakeLLMServer,
    Reply,
    finish_length,
    ok,
    refusal,
    with_usage,
)

REQUEST = ChatRequest(model="gpt-4o", system="s", prompt="p", max_tokens=64)
# (client, path, base URL attribute, input field, output field)
PROTOCOLS = {
    "openai": (
        OpenAIChatClient,
        OPENAI_PATH,
        "openai_base_url",
        "prompt_tokens",
        "completion_tokens",
    ),
    "anthropic": (
        AnthropicChatClient,
        ANTHROPIC_PATH,
        "anthropic_base_url",
        "input_tokens",
        "output_tokens",
    ),
}
BAD_COUNTS = [
    -450,
    -1,
    float("inf"),
    float("-inf"),
    float("nan"),
    1.5,
    True,
    "12",
    None,
    [3],
    MAX_USAGE_TOKENS + 1,
    10**400,
]


def ask(server: FakeLLMServer, protocol: str, reply: Reply) -> Any:
    make, path, base, _, _ = PROTOCOLS[protocol]
    server.script(path, reply, reply)
    client: HttpChatClient = make(
        api_key="sk-test-usage",
        base_url=getattr(server, base),
        retry=RetryPolicy(max_attempts=2),
        sleep=lambda _: None,
    )
    return client.complete(REQUEST)


def usage(protocol: str, first: Any, second: Any = 7) -> dict[str, Any]:
    _, _, _, input_field, output_field = PROTOCOLS[protocol]
    return {input_field: first, output_field: second}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("count", BAD_COUNTS, ids=lambda count: repr(count)[:12])
def test_a_count_that_is_not_a_sane_whole_number_is_a_bad_response(
    llm_server: FakeLLMServer, protocol: str, count: Any
) -> None:
    with pytest.raises(LLMError) as caught:
        ask(llm_server, protocol, with_usage(ok("hi"), usage(protocol, count)))
    field = PROTOCOLS[protocol][3]
    assert caught.value.kind == "bad_response"
    assert f"usage.{field} must be a whole number from 0 to 10,000,000" in str(caught.value)
    assert len(llm_server.requests) == 1, "a wrong count is not worth asking again"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_output_count_is_checked_too(llm_server: FakeLLMServer, protocol: str) -> None:
    with pytest.raises(LLMError, match=f"usage.{PROTOCOLS[protocol][4]} must be") as caught:
        ask(llm_server, protocol, with_usage(ok("hi"), usage(protocol, 5, -3000)))
    assert caught.value.billed_tokens == (0, 0)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("reply", [finish_length("def f("), refusal("No.")], ids=["cut", "refused"])
def test_a_billed_failure_with_a_bad_count_bills_nothing(
    llm_server: FakeLLMServer, protocol: str, reply: Reply
) -> None:
    with pytest.raises(LLMError) as caught:
        ask(llm_server, protocol, with_usage(reply, usage(protocol, -90000, 5)))
    assert (caught.value.kind, caught.value.billed_tokens) == ("bad_response", (0, 0))


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("counts", "expected"),
    [((0, 0), (0, 0)), ((3000.0, 2), (3000, 2)), ((MAX_USAGE_TOKENS, 1), (MAX_USAGE_TOKENS, 1))],
)
def test_whole_numbers_in_range_are_the_cost(
    llm_server: FakeLLMServer,
    protocol: str,
    counts: tuple[float, int],
    expected: tuple[int, int],
) -> None:
    response = ask(llm_server, protocol, with_usage(ok("hi"), usage(protocol, *counts)))
    assert (response.input_tokens, response.output_tokens) == expected
    assert all(type(n) is int for n in (response.input_tokens, response.output_tokens))


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("value", [[1, 2], "lots", 12])
def test_usage_that_is_not_an_object_is_a_bad_response(
    llm_server: FakeLLMServer, protocol: str, value: Any
) -> None:
    with pytest.raises(LLMError, match="usage must be an object") as caught:
        ask(llm_server, protocol, with_usage(ok("hi"), value))
    assert caught.value.kind == "bad_response"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_completion_without_usage_is_a_bad_response(
    llm_server: FakeLLMServer, protocol: str
) -> None:
    with pytest.raises(LLMError, match=f"usage.{PROTOCOLS[protocol][3]} is missing") as caught:
        ask(llm_server, protocol, with_usage(ok("hi"), MISSING))
    assert caught.value.kind == "bad_response"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_cut_off_reply_without_usage_bills_nothing(
    llm_server: FakeLLMServer, protocol: str
) -> None:
    with pytest.raises(LLMError) as caught:
        ask(llm_server, protocol, with_usage(finish_length("def f("), MISSING))
    assert (caught.value.kind, caught.value.billed_tokens) == ("truncated", (0, 0))

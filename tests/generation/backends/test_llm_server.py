"""The fake provider answers like the real ones, so client tests mean something."""

from __future__ import annotations

import httpx

from .llm_server import ANTHROPIC_PATH, OPENAI_PATH, FakeLLMServer, status

ANTHROPIC_HEADERS = {"anthropic-version": "2023-06-01", "x-api-key": "k"}


def test_error_bodies_follow_each_provider(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, status(429, retry_after=3, message="slow down"))
    llm_server.script(ANTHROPIC_PATH, status(529))
    openai = httpx.post(llm_server.url + OPENAI_PATH, json={"model": "m"})
    assert openai.status_code == 429 and openai.headers["retry-after"] == "3"
    assert openai.json()["error"]["message"] == "slow down"
    anthropic = httpx.post(llm_server.url + ANTHROPIC_PATH, json={}, headers=ANTHROPIC_HEADERS)
    assert anthropic.status_code == 529
    assert anthropic.json()["type"] == "error"
    assert anthropic.json()["error"]["type"] == "overloaded_error"


def test_replies_come_in_script_order_then_the_default(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, status(500), status(503))
    codes = [httpx.post(llm_server.url + OPENAI_PATH, json={}).status_code for _ in range(3)]
    assert codes == [500, 503, 200]


def test_real_provider_rejections(llm_server: FakeLLMServer) -> None:
    assert httpx.post(llm_server.url + "/v1/nowhere", json={}).status_code == 404
    no_version = httpx.post(llm_server.url + ANTHROPIC_PATH, json={}, headers={"x-api-key": "k"})
    assert no_version.status_code == 400
    assert httpx.post(llm_server.url + OPENAI_PATH, content=b"not json").status_code == 400


def test_requests_are_recorded_with_keys_masked(llm_server: FakeLLMServer) -> None:
    httpx.post(llm_server.url + ANTHROPIC_PATH, json={"model": "m"}, headers=ANTHROPIC_HEADERS)
    httpx.post(
        llm_server.url + OPENAI_PATH, json={"n": 1}, headers={"authorization": "Bearer secret"}
    )
    first, second = llm_server.requests
    assert (first.path, first.body, first.headers["x-api-key"]) == (
        ANTHROPIC_PATH,
        {"model": "m"},
        "<masked>",
    )
    assert (second.body, second.headers["authorization"]) == ({"n": 1}, "Bearer <masked>")

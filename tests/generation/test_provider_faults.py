"""Whole builds against the fake provider server with scripted faults, in both protocols.

Each case breaks the adapter's first call in one way; the other enriched files get a good
answer. Every case must end in a package that passes validation, with each file's provenance
(the model, or the template after a failure) and its cost as the provider billed it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from agentflow.build import IntegrationBuilder, IntegrationPackage
from agentflow.generation.backends.enrich import ENRICHED_SUBTASKS
from agentflow.generation.backends.providers import make_client
from agentflow.generation.orchestrator import SmartOrchestrator
from agentflow.patterns.base import STANDARD_SUBTASKS
from generation.backends.llm_server import (
    ANTHROPIC_PATH,
    OPENAI_PATH,
    FakeLLMServer,
    Reply,
    delay,
    drop,
    finish_length,
    html,
    llm_server_fixture,  # noqa: F401
    ok,
    status,
    truncated_json,
)

from .fake_chat import REQUIREMENTS, template_files

pytestmark = pytest.mark.slow

# USD per million tokens (input, output), from the providers' price lists.
PRICES = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "claude-sonnet-4-20250514": (3.00, 15.00),
    "claude-3-5-haiku-latest": (0.80, 4.00),
}
MODELS = {  # (adapter and tests, guide and examples)
    "openai": ("gpt-4o", "gpt-4o-mini"),
    "anthropic": ("claude-sonnet-4-20250514", "claude-3-5-haiku-latest"),
}
PATHS = {"openai": OPENAI_PATH, "anthropic": ANTHROPIC_PATH}
TOKENS = (3000, 2000)  # input, output of every scripted answer
ADAPTER = "github_adapter.py"
ENRICHED = [s for s in STANDARD_SUBTASKS if s.id in ENRICHED_SUBTASKS]


@functools.cache
def templates() -> dict[str, str]:
    """The package's files as the template backend renders them."""
    return template_files()


def improved(path: str) -> str:
    """An answer the guard accepts: the rendered file with a line added."""
    note = "\n\n# Reviewed for the GitHub service." if path.endswith(".py") else "\nMore notes."
    return f"{templates()[path].rstrip()}\n{note}\n"


def answer(text: str) -> Reply:
    return ok(text, input_tokens=TOKENS[0], output_tokens=TOKENS[1])


def price(model: str, calls: int = 1) -> float:
    per_input, per_output = PRICES[model]
    return calls * (TOKENS[0] * per_input + TOKENS[1] * per_output) / 1_000_000


def moved(adapter: str) -> str:
    return adapter.replace("https://api.github.com", "https://attacker.example")


@dataclass(frozen=True)
class Case:
    """Replies to the adapter's calls (given the accepted answer), and how the adapter ends."""

    replies: Callable[[str], list[Reply]]
    from_model: bool  # else the template, after the model's answers failed
    billed_calls: int
    protocols: tuple[str, ...] = ("openai", "anthropic")
    waits: tuple[float, ...] = ()  # Retry-After values the client must honour


CUT_OFF = finish_length("def partial(", input_tokens=TOKENS[0], output_tokens=TOKENS[1])
OPENAI, ANTHROPIC = ("openai",), ("anthropic",)
CASES = {
    "429 with Retry-After": Case(
        lambda a: [status(429, retry_after=7), answer(a)], True, 1, waits=(7.0,)
    ),
    "429 without Retry-After": Case(lambda a: [status(429), answer(a)], True, 1),
    "500": Case(lambda a: [status(500), answer(a)], True, 1, OPENAI),
    "503": Case(lambda a: [status(503), answer(a)], True, 1, OPENAI),
    "529 overloaded": Case(lambda a: [status(529), answer(a)], True, 1, ANTHROPIC),
    "timeout": Case(lambda a: [delay(3.0, a), answer(a)], True, 1, OPENAI),
    "dropped connection": Case(lambda a: [drop(), answer(a)], True, 1),
    "HTML body": Case(lambda a: [html(502), html(200), answer(a)], True, 1, OPENAI),
    "truncated JSON": Case(lambda a: [truncated_json(), answer(a)], True, 1),
    "cut off at the token limit": Case(lambda a: [CUT_OFF], False, 1),
    "503 until retries run out": Case(lambda a: [status(503)] * 4, False, 0, OPENAI),
    "syntax error, then repaired": Case(lambda a: [answer("def broken(:\n"), answer(a)], True, 2),
    "extra import, then repaired": Case(
        lambda a: [answer(f"import subprocess\n{a}"), answer(a)], True, 2
    ),
    "base URL changed every time": Case(lambda a: [answer(moved(a))] * 3, False, 3),
}


def build(server: FakeLLMServer, protocol: str, waits: list[float]) -> IntegrationPackage:
    base_url = server.openai_base_url if protocol == "openai" else server.anthropic_base_url
    client = make_client(
        protocol, base_url=base_url, api_key="sk-test", timeout=1.0, sleep=waits.append
    )
    orchestrator = SmartOrchestrator(
        protocol, clients={protocol: client}, use_cache=False, max_workers=1
    )
    return IntegrationBuilder(orchestrator).build_integration("GitHub", "api", REQUIREMENTS)


@pytest.mark.parametrize(
    ("name", "protocol"),
    [(name, protocol) for name, case in CASES.items() for protocol in case.protocols],
)
def test_every_fault_ends_in_a_valid_package(
    llm_server: FakeLLMServer, name: str, protocol: str
) -> None:
    case = CASES[name]
    strong, cheap = MODELS[protocol]
    replies = case.replies(improved(ADAPTER))
    others = [answer(improved(s.output_path("github"))) for s in ENRICHED[1:]]
    llm_server.script(PATHS[protocol], *replies, *others)
    waits: list[float] = []

    package = build(llm_server, protocol, waits)

    assert package.report is not None and package.report.score >= 90, package.report
    files = package.metadata["files"]
    adapter = files[ADAPTER]
    if case.from_model:
        assert adapter["provenance"] == strong
        assert package.files[ADAPTER] == improved(ADAPTER)
    else:
        assert str(adapter["provenance"]).startswith(f"template (fallback after {strong}")
        assert package.files[ADAPTER] == templates()[ADAPTER]
    assert adapter["cost"] == pytest.approx(price(strong, case.billed_calls))
    for subtask in ENRICHED[1:]:
        path = subtask.output_path("github")
        model = strong if subtask.complexity == "complex" else cheap
        assert (files[path]["provenance"], files[path]["cost"]) == (model, price(model)), path
        assert package.files[path] == improved(path)
    total = price(strong, case.billed_calls) + price(strong) + 2 * price(cheap)
    assert package.metadata["build_metrics"]["total_cost"] == pytest.approx(total, abs=1e-6)
    for expected in case.waits:
        assert expected in waits
    assert len(llm_server.requests) == len(replies) + len(others)

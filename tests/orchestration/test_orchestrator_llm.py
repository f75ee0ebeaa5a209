"""SmartOrchestrator with model providers: fallback chain, selection, parallelism, budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentflow.errors import BackendError, LLMError
from agentflow.orchestration.backends.llm import ChatRequest
from agentflow.orchestration.orchestrator import ProgressEvent, SmartOrchestrator
from agentflow.orchestration.response_cache import ResponseCache

from .fake_chat import FakeChat, build, improved, target, template_files

ADAPTER = "github_adapter.py"


def failing(kind: str) -> FakeChat:
    def answer(request: ChatRequest) -> str:
        raise LLMError(f"provider said {kind}", kind=kind)

    return FakeChat("anthropic", answer=answer)


def provenance(files: dict[str, str]) -> dict[str, str]:
    records = json.loads(files["metadata.json"])["files"]
    return {path: record["provenance"] for path, record in records.items()}


@pytest.mark.parametrize("kind", ["truncated", "refused", "rate_limit"])
def test_provider_failure_moves_to_the_next_provider(kind: str) -> None:
    primary, second = failing(kind), FakeChat("openai")
    orchestrator = SmartOrchestrator(
        "anthropic",
        fallback_providers=("openai",),
        clients={"anthropic": primary, "openai": second},
        use_cache=False,
    )
    package = build(orchestrator)
    assert provenance(package.files)[ADAPTER] == "gpt-4o"
    assert primary.requests[0].model == "claude-sonnet-4-20250514"
    assert len(second.requests) == 4


def test_every_provider_failing_ends_at_the_template() -> None:
    clients = {"anthropic": failing("refused"), "openai": failing("rate_limit")}
    clients["openai"].provider = "openai"
    orchestrator = SmartOrchestrator(
        "anthropic", fallback_providers=("openai",), clients=clients, use_cache=False
    )
    package = build(orchestrator)
    assert provenance(package.files)[ADAPTER] == (
        "template (fallback after gpt-4o: rate_limit: provider said rate_limit)"
    )
    expected = template_files()
    assert {p: t for p, t in package.files.items() if p != "metadata.json"} == {
        p: t for p, t in expected.items() if p != "metadata.json"
    }


def test_without_fallback_a_provider_failure_is_an_error() -> None:
    orchestrator = SmartOrchestrator(
        "anthropic",
        enable_fallback=False,
        clients={"anthropic": failing("truncated")},
        use_cache=False,
    )
    with pytest.raises(BackendError, match="truncated"):
        build(orchestrator)


def test_model_selection_follows_the_table() -> None:
    client = FakeChat()
    build(SmartOrchestrator("openai", clients={"openai": client}, use_cache=False))
    models = {target(r): r.model for r in client.requests}
    assert models == {
        "github_adapter.py": "gpt-4o",
        "test_github_adapter.py": "gpt-4o",
        "GITHUB_INTEGRATION.md": "gpt-4o-mini",
        "examples.py": "gpt-4o-mini",
    }


@pytest.mark.parametrize(
    ("options", "expected"),
    [({"enable_model_selection": False}, {"gpt-4o"}), ({"model": "gpt-4.1"}, {"gpt-4.1"})],
)
def test_one_model_for_all(options: dict[str, object], expected: set[str]) -> None:
    client = FakeChat()
    orchestrator = SmartOrchestrator(
        "openai", clients={"openai": client}, use_cache=False, **options  # type: ignore[arg-type]
    )
    build(orchestrator)
    assert {r.model for r in client.requests} == expected


def test_subtasks_run_in_parallel_after_the_adapter() -> None:
    client = FakeChat(latency=0.2)
    events: list[ProgressEvent] = []
    orchestrator = SmartOrchestrator(
        "openai", clients={"openai": client}, use_cache=False, on_progress=events.append
    )
    build(orchestrator)
    assert client.max_active >= 3
    assert client.targets()[0] == ADAPTER
    finished = [e for e in events if e.kind == "finished"]
    assert len(finished) == 6 and finished[0].subtask in {"adapter", "config", "packaging"}
    assert {e.subtask: e.provenance for e in finished}["docs"] == "gpt-4o-mini"


def test_output_is_deterministic_with_deterministic_answers() -> None:
    first = build(SmartOrchestrator("openai", clients={"openai": FakeChat()}, use_cache=False))
    second = build(SmartOrchestrator("openai", clients={"openai": FakeChat()}, use_cache=False))
    assert {p: t for p, t in first.files.items() if p != "metadata.json"} == {
        p: t for p, t in second.files.items() if p != "metadata.json"
    }


def test_cache_hit_makes_no_call_and_costs_nothing(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    first = SmartOrchestrator("openai", clients={"openai": FakeChat()}, cache=cache)
    build(first)
    assert first.get_cost_summary()["total_cost"] > 0
    client = FakeChat()
    again = SmartOrchestrator("openai", clients={"openai": client}, cache=cache)
    package = build(again)
    assert client.requests == []
    assert again.get_cost_summary()["total_cost"] == 0
    assert provenance(package.files)[ADAPTER] == "gpt-4o"


class Interrupted(Exception):
    """Stands for a build stopped half-way (a crash, a kill)."""


def test_interrupted_build_resumes_from_cached_subtasks(tmp_path: Path) -> None:
    def interrupted(request: ChatRequest) -> str:
        if target(request) == "GITHUB_INTEGRATION.md":
            raise Interrupted
        return improved(request)

    cache = ResponseCache(tmp_path)
    with pytest.raises(Interrupted):
        build(
            SmartOrchestrator(
                "openai", clients={"openai": FakeChat(answer=interrupted)}, cache=cache
            )
        )
    client = FakeChat()
    build(SmartOrchestrator("openai", clients={"openai": client}, cache=cache))
    assert ADAPTER not in client.targets()
    assert "GITHUB_INTEGRATION.md" in client.targets()


def test_budget_stops_before_a_call_that_could_exceed_it() -> None:
    client = FakeChat()
    orchestrator = SmartOrchestrator(
        "openai", clients={"openai": client}, use_cache=False, max_cost=0.1
    )
    package = build(orchestrator)
    summary = orchestrator.get_cost_summary()
    assert 0 < summary["total_cost"] <= 0.1
    assert summary["by_model"]["gpt-4o"] > 0
    assert "budget" in provenance(package.files)["test_github_adapter.py"]
    assert "test_github_adapter.py" not in client.targets()


def test_zero_budget_without_fallback_is_an_error() -> None:
    orchestrator = SmartOrchestrator(
        "openai",
        clients={"openai": FakeChat()},
        use_cache=False,
        max_cost=0.0,
        enable_fallback=False,
    )
    with pytest.raises(BackendError, match="limit"):
        build(orchestrator)


def test_unknown_fallback_provider_is_refused() -> None:
    with pytest.raises(Exception, match="unknown provider 'nope'"):
        SmartOrchestrator("openai", fallback_providers=("nope",), clients={})

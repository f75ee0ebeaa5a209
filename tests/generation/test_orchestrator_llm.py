"""SmartOrchestrator with model providers: fallback chain, selection, parallelism, budget."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from agentflow.cli.presenters import subtask_progress
from agentflow.errors import BackendError, InputError, LLMError
from agentflow.generation.backends import Backend
from agentflow.generation.backends.llm import ChatRequest, ChatResponse
from agentflow.generation.budget import CostLedger
from agentflow.generation.orchestrator import ProgressEvent, SmartOrchestrator
from agentflow.generation.response_cache import ResponseCache

from .fake_chat import FakeChat, build, improved, target, template_files

ADAPTER = "github_adapter.py"
REVIEWED_DEPENDANTS = ["test_github_adapter.py", "GITHUB_INTEGRATION.md", "examples.py"]


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


def test_a_model_provider_is_a_backend_like_the_template() -> None:
    chat = FakeChat("openai")
    with SmartOrchestrator("openai", clients={"openai": chat}, use_cache=False) as orchestrator:
        backend: Backend = orchestrator.backend
        assert (backend.name, orchestrator.backend_name, orchestrator.calls_models) == (
            "openai",
            "openai",
            True,
        )
        package = build(orchestrator)
    assert provenance(package.files)[ADAPTER] == "gpt-4o"
    with SmartOrchestrator() as offline:
        assert (offline.backend.name, offline.calls_models) == ("template", False)


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
    assert first.get_cost_summary()["model_calls"] == 4
    client = FakeChat()
    again = SmartOrchestrator("openai", clients={"openai": client}, cache=cache)
    package = build(again)
    assert client.requests == []
    assert again.get_cost_summary()["total_cost"] == 0
    assert (again.get_cost_summary()["model_calls"], again.get_cost_summary()["calls"]) == (0, 6)
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
    package = build(orchestrator)  # the adapter's and tests' calls may cost up to $0.13-0.16
    summary = orchestrator.get_cost_summary()
    assert 0 < summary["total_cost"] <= 0.1
    assert set(summary["by_model"]) == {"gpt-4o-mini"}
    for path in (ADAPTER, "test_github_adapter.py"):
        assert "budget" in provenance(package.files)[path]
        assert path not in client.targets()
    assert provenance(package.files)["examples.py"] == "gpt-4o-mini"


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
    with pytest.raises(Exception, match="unknown backend or provider 'nope'"):
        SmartOrchestrator("openai", fallback_providers=("nope",), clients={})


def test_progress_names_the_files_being_generated_on_a_terminal_only() -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    with subtask_progress(enabled=True, console=terminal) as on_progress:
        on_progress(ProgressEvent("started", "adapter"))
        on_progress(ProgressEvent("finished", "adapter", "gpt-4o"))
        on_progress(ProgressEvent("started", "tests"))
        on_progress(ProgressEvent("started", "docs"))
        terminal.print("", end="")  # let the live display draw
    assert "generating tests, docs" in screen.getvalue()
    piped = io.StringIO()
    with subtask_progress(enabled=True, console=Console(file=piped)) as on_progress:
        on_progress(ProgressEvent("started", "adapter"))
    assert piped.getvalue() == ""


def test_closing_releases_only_the_clients_it_made(monkeypatch: pytest.MonkeyPatch) -> None:
    class Closable(FakeChat):
        closed = False

        def close(self) -> None:
            self.closed = True

    made: list[Closable] = []

    def make_client(name: str, **options: object) -> Closable:
        made.append(Closable(name))
        return made[-1]

    monkeypatch.setattr("agentflow.generation.backends.model.make_client", make_client)
    given = Closable("openai")
    with SmartOrchestrator(
        "openai", fallback_providers=("anthropic",), clients={"openai": given}, use_cache=False
    ):
        pass
    assert [(c.provider, c.closed) for c in made] == [("anthropic", True)]
    assert not given.closed


def test_cached_accepted_answers_are_not_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentflow.generation.backends import enrich

    checked: list[str] = []

    def counting(path: str, *args: object, **kwargs: object) -> list[str]:
        checked.append(path)
        return check_rewrite(path, *args, **kwargs)  # type: ignore[arg-type]

    check_rewrite = enrich.check_rewrite
    monkeypatch.setattr(enrich, "check_rewrite", counting)
    cache = ResponseCache(tmp_path)
    first = build(SmartOrchestrator("openai", clients={"openai": FakeChat()}, cache=cache))
    assert sorted(checked) == sorted([ADAPTER, *REVIEWED_DEPENDANTS])
    checked.clear()
    again = build(SmartOrchestrator("openai", clients={"openai": FakeChat()}, cache=cache))
    assert checked == []
    generated = {n: t for n, t in first.files.items() if n != "metadata.json"}
    assert {n: t for n, t in again.files.items() if n != "metadata.json"} == generated
    monkeypatch.setattr(enrich, "__version__", "99.0")  # another agentflow checks anew
    build(SmartOrchestrator("openai", clients={"openai": FakeChat()}, cache=cache))
    assert len(checked) == 4


@pytest.mark.parametrize("amount", [-0.5, float("inf"), float("nan")])
def test_the_ledger_refuses_an_amount_no_call_can_cost(amount: float) -> None:
    ledger = CostLedger(max_cost=1.0)
    with pytest.raises(LLMError, match="must be a finite amount of USD") as caught:
        ledger.reserve("gpt-4o", amount)
    assert caught.value.kind == "bad_response"
    ledger.reserve("gpt-4o", 0.5)
    with pytest.raises(LLMError, match="must be a finite amount of USD"):
        ledger.settle("gpt-4o", 0.5, amount)
    assert ledger.spent == 0
    ledger.reserve("gpt-4o", 1.0)  # the refused call's reservation was released


def test_a_client_reporting_negative_tokens_costs_nothing() -> None:
    class Negative(FakeChat):
        def complete(self, request: ChatRequest) -> ChatResponse:
            answer = super().complete(request)
            return ChatResponse(answer.text, answer.model, -(10**9), 500)

    orchestrator = SmartOrchestrator("openai", clients={"openai": Negative()}, use_cache=False)
    package = build(orchestrator)
    assert provenance(package.files)[ADAPTER].startswith(
        "template (fallback after gpt-4o: bad_response: the cost of a call to gpt-4o must be"
    )
    assert orchestrator.get_cost_summary()["total_cost"] == 0 == orchestrator.ledger.spent
    assert json.loads(package.files["metadata.json"])["build_metrics"]["total_cost"] == 0


def test_a_refused_amount_keeps_what_earlier_attempts_cost() -> None:
    answers = iter(["import subprocess\n"])  # rejected by the guard, but paid for

    class RejectedThenNegative(FakeChat):
        def complete(self, request: ChatRequest) -> ChatResponse:
            answer = super().complete(request)
            if target(request) != ADAPTER:
                return answer
            hostile = next(answers, None)
            if hostile is not None:
                return ChatResponse(hostile, answer.model, answer.input_tokens, 500)
            return ChatResponse(answer.text, answer.model, -(10**9), 500)

    orchestrator = SmartOrchestrator(
        "openai", clients={"openai": RejectedThenNegative()}, use_cache=False
    )
    package = build(orchestrator)
    record = json.loads(package.files["metadata.json"])["files"][ADAPTER]
    assert record["provenance"].startswith("template (fallback after gpt-4o: bad_response")
    assert record["cost"] > 0
    assert orchestrator.get_cost_summary()["total_cost"] == pytest.approx(orchestrator.ledger.spent)


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        ({"timeout": 1e308}, "timeout must be between 1 and 3600 seconds, not 1e+308"),
        ({"timeout": 0.1}, "timeout must be between 1 and 3600 seconds"),
        ({"timeout": float("nan")}, "timeout must be between 1 and 3600 seconds"),
        ({"max_retries": 11}, "max_retries must be a whole number from 0 to 10, not 11"),
        ({"max_retries": -1}, "max_retries must be a whole number from 0 to 10"),
        ({"max_retries": 2.5}, "max_retries must be a whole number from 0 to 10"),
        ({"max_workers": 0}, "max_workers must be a whole number from 1 to 32"),
        ({"max_workers": 33}, "max_workers must be a whole number from 1 to 32"),
        ({"max_workers": 10**400}, "max_workers must be a whole number from 1 to 32"),
        ({"max_cost": -1.0}, "max_cost must be a number of USD, 0 or more"),
        ({"max_cost": float("nan")}, "max_cost must be a number of USD, 0 or more"),
    ],
)
def test_numbers_outside_their_limits_are_an_input_error(
    option: dict[str, float], problem: str
) -> None:
    with pytest.raises(InputError, match=re.escape(problem)):
        SmartOrchestrator("template", **option)  # type: ignore[arg-type]


def test_the_limits_themselves_are_allowed() -> None:
    for timeout, retries, workers in ((1, 0, 1), (3600, 10, 32)):
        orchestrator = SmartOrchestrator(
            "openai",
            clients={"openai": FakeChat()},
            timeout=timeout,
            max_retries=retries,
            max_workers=workers,
            max_cost=0,
        )
        assert (orchestrator.max_workers, orchestrator.ledger.max_cost) == (workers, 0)

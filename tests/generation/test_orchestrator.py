"""SmartOrchestrator: dependency order, provenance and cost accounting."""

from __future__ import annotations

from typing import Any

import pytest

from agentflow.errors import BackendError, InputError
from agentflow.generation.backends import GeneratedFile, GenerationRequest
from agentflow.generation.orchestrator import SmartOrchestrator
from agentflow.patterns.base import IntegrationPattern, Subtask


class RecordingBackend:
    name = "recording"

    def __init__(self) -> None:
        self.order: list[str] = []

    def generate(self, request: GenerationRequest) -> GeneratedFile:
        self.order.append(request.subtask.id)
        return GeneratedFile(
            request.path, request.subtask.id, request.subtask.id, "recording", 0.25
        )


class Demo(IntegrationPattern):
    name = "demo"

    def matches(self, requirements: Any) -> float:
        return 1.0


def orchestrator_with(backend: RecordingBackend) -> SmartOrchestrator:
    orchestrator = SmartOrchestrator("template")
    orchestrator.backend = backend
    return orchestrator


def test_dependencies_run_first_and_results_keep_subtask_order() -> None:
    backend = RecordingBackend()
    subtasks = [
        Subtask("tests", "test_{slug}.py", "t.jinja", "tests", ("adapter",)),
        Subtask("adapter", "{slug}.py", "a.jinja", "adapter"),
        Subtask("docs", "{SLUG}.md", "d.jinja", "docs", ("tests",)),
    ]
    produced = orchestrator_with(backend).run(Demo(), subtasks, {}, slug="svc")
    assert backend.order == ["adapter", "tests", "docs"]
    assert [f.path for f in produced] == ["test_svc.py", "svc.py", "SVC.md"]


def test_cost_summary_adds_up_per_operation() -> None:
    orchestrator = orchestrator_with(RecordingBackend())
    subtasks = [Subtask("adapter", "a.py", "a.jinja", "a"), Subtask("docs", "d.md", "d.jinja", "d")]
    orchestrator.run(Demo(), subtasks, {}, slug="svc")
    orchestrator.run(Demo(), subtasks, {}, slug="svc")
    summary = orchestrator.get_cost_summary()
    assert summary["total_cost"] == pytest.approx(1.0)
    assert summary["by_operation"] == {"adapter": 0.5, "docs": 0.5}
    assert summary["calls"] == 4


def test_cycles_and_unknown_dependencies_are_errors() -> None:
    orchestrator = orchestrator_with(RecordingBackend())
    cycle = [Subtask("a", "a", "a", "a", ("b",)), Subtask("b", "b", "b", "b", ("a",))]
    with pytest.raises(BackendError, match="cycle"):
        orchestrator.run(Demo(), cycle, {}, slug="s")
    with pytest.raises(BackendError, match="unknown 'zzz'"):
        orchestrator.run(Demo(), [Subtask("a", "a", "a", "a", ("zzz",))], {}, slug="s")


def test_unknown_provider_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown backend or provider 'gpt-9'"):
        SmartOrchestrator("gpt-9")


def test_one_settings_object_configures_the_orchestrator_and_the_keywords_win() -> None:
    from agentflow.settings import BackendSettings

    configured = BackendSettings(backend="template", workers=2, timeout=30.0, max_cost=1.0)
    orchestrator = SmartOrchestrator(settings=configured, max_workers=3)
    assert orchestrator.settings == BackendSettings(
        backend="template", workers=3, timeout=30.0, max_cost=1.0
    )
    assert (orchestrator.provider, orchestrator.max_workers) == ("template", 3)
    assert SmartOrchestrator.from_settings(configured).settings == configured
    with pytest.raises(InputError, match="max_workers must be a whole number from 1 to 32"):
        SmartOrchestrator(settings=BackendSettings(workers=0))

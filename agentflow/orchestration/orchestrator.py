"""SmartOrchestrator: runs a pattern's subtasks through a backend and accounts for cost."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from agentflow.errors import BackendError, InputError
from agentflow.orchestration.backends import (
    BACKENDS,
    Backend,
    GeneratedFile,
    GenerationRequest,
)
from agentflow.orchestration.integration_patterns import IntegrationPattern, Subtask

__all__ = ["SmartOrchestrator"]


class SmartOrchestrator:
    """Produces a package's files, one subtask at a time, with the chosen backend.

    `provider` names the backend ("template", the offline default). `enable_fallback` and
    `enable_model_selection` configure how model backends fall back and pick models; the
    template backend needs neither and ignores them.
    """

    def __init__(
        self,
        provider: str = "template",
        *,
        enable_fallback: bool = True,
        enable_model_selection: bool = True,
    ) -> None:
        if provider not in BACKENDS:
            raise InputError(
                f"unknown provider {provider!r}; available: {', '.join(sorted(BACKENDS))}"
            )
        self.provider = provider
        self.enable_fallback = enable_fallback
        self.enable_model_selection = enable_model_selection
        self.backend: Backend = BACKENDS[provider]()
        self._costs: dict[str, float] = defaultdict(float)
        self._calls: dict[str, int] = defaultdict(int)

    def run(
        self,
        pattern: IntegrationPattern,
        subtasks: Sequence[Subtask],
        context: Mapping[str, Any],
        *,
        slug: str,
    ) -> list[GeneratedFile]:
        """Produce every subtask's file, dependencies first; returns files in subtask order."""
        produced: dict[str, GeneratedFile] = {}
        for subtask in _dependency_order(subtasks):
            request = GenerationRequest(subtask, pattern, context, subtask.output_path(slug))
            generated = self.backend.generate(request)
            self._costs[subtask.id] += generated.cost
            self._calls[subtask.id] += 1
            produced[subtask.id] = generated
        return [produced[s.id] for s in subtasks]

    def get_cost_summary(self) -> dict[str, Any]:
        """Total cost and cost per operation (subtask id) over every run so far."""
        return {
            "provider": self.provider,
            "total_cost": round(sum(self._costs.values()), 6),
            "by_operation": {op: round(cost, 6) for op, cost in sorted(self._costs.items())},
            "calls": sum(self._calls.values()),
        }


def _dependency_order(subtasks: Sequence[Subtask]) -> list[Subtask]:
    """Subtasks ordered so each comes after its dependencies; stable otherwise."""
    by_id = {s.id: s for s in subtasks}
    ordered: list[Subtask] = []
    state: dict[str, str] = {}

    def visit(subtask: Subtask) -> None:
        if state.get(subtask.id) == "done":
            return
        if state.get(subtask.id) == "visiting":
            raise BackendError(f"subtask {subtask.id!r} depends on itself through a cycle")
        state[subtask.id] = "visiting"
        for dep in subtask.depends_on:
            if dep not in by_id:
                raise BackendError(f"subtask {subtask.id!r} depends on unknown {dep!r}")
            visit(by_id[dep])
        state[subtask.id] = "done"
        ordered.append(subtask)

    for subtask in subtasks:
        visit(subtask)
    return ordered

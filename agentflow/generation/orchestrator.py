"""SmartOrchestrator: runs a pattern's subtasks through one backend and accounts for cost.

The backend is the one the settings name: an offline one ("template", or a plugin's), or
`backends.model.ModelBackend` for a model provider and its fallback providers. Subtasks run
in parallel as soon as the subtasks they depend on are done. Several builds may share an
orchestrator at once: what they share (costs, ledger, fallback policy) is locked.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from agentflow.errors import BackendError, InputError
from agentflow.generation.backends import (
    Backend,
    GeneratedFile,
    GenerationRequest,
    load_backends,
)
from agentflow.generation.backends.base import Revision
from agentflow.generation.backends.providers import PROVIDERS
from agentflow.generation.budget import CostLedger
from agentflow.patterns.base import IntegrationPattern, Subtask
from agentflow.settings import BackendSettings

if TYPE_CHECKING:
    from agentflow.generation.backends.llm import ChatClient
    from agentflow.generation.response_cache import ResponseCache

__all__ = ["ProgressEvent", "SmartOrchestrator"]


@dataclass(frozen=True)
class ProgressEvent:
    """A subtask `started` or `finished` (then with the provenance of its file)."""

    kind: str
    subtask: str
    provenance: str | None = None


class SmartOrchestrator:
    """Produces a package's files, subtask by subtask, with the chosen backend (`backend`).

    Configured by one `BackendSettings` (`settings`; `from_settings` for agentflow.toml and
    the CLI), which the guide's keywords override: `provider` ("template", offline, the
    default, or a model provider of `PROVIDERS`), `fallback_providers`, `model`, `base_url`,
    `max_cost` (USD), `max_workers`, `timeout` and `max_retries` per call; numbers outside
    `settings.LIMITS` are an `InputError`. `clients` supplies ready `ChatClient`s by provider,
    `cache` stores answers (`use_cache=False` for none), `on_progress` receives a
    `ProgressEvent` per step. `enable_fallback` left as None keeps the template after failed
    answers but stops at a missing or refused key; True also goes past such a key (with a
    warning), False makes every provider failure an error.
    """

    def __init__(
        self,
        provider: str | None = None,
        *,
        enable_fallback: bool | None = None,
        enable_model_selection: bool = True,
        settings: BackendSettings | None = None,
        fallback_providers: Sequence[str] | None = None,
        model: str | None = None,
        base_url: str | None = None,
        max_cost: float | None = None,
        max_workers: int | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        clients: Mapping[str, ChatClient] | None = None,
        cache: ResponseCache | None = None,
        use_cache: bool = True,
        on_progress: Callable[[ProgressEvent], None] | None = None,
    ) -> None:
        self.settings = BackendSettings.merged(
            settings,
            backend=provider,
            fallback=None if fallback_providers is None else tuple(fallback_providers),
            model=model,
            base_url=base_url,
            max_cost=max_cost,
            workers=max_workers,
            timeout=timeout,
            max_retries=max_retries,
        )
        backends = load_backends()
        names = (self.backend_name, *self.settings.fallback)
        _check_known(names, backends)
        self.on_progress = on_progress
        self.ledger = CostLedger(self.settings.max_cost)
        self.backend: Backend
        if self.backend_name in backends:
            self.backend = backends[self.backend_name]()
        else:
            from agentflow.generation.backends.model import ModelBackend

            if use_cache and cache is None:
                from agentflow.generation.response_cache import ResponseCache

                cache = ResponseCache()
            self.backend = ModelBackend(
                [name for name in names if name not in backends],
                self.settings,
                ledger=self.ledger,
                enable_fallback=enable_fallback,
                enable_model_selection=enable_model_selection,
                clients=clients,
                cache=cache,
            )
        # Whether building asks model providers (and so may cost money), not only templates.
        self.calls_models = self.backend_name not in backends
        self._costs: dict[str, float] = defaultdict(float)
        self._calls: dict[str, int] = defaultdict(int)
        self._costs_lock = threading.Lock()

    @property
    def backend_name(self) -> str:
        """The backend chosen: "template" (or another offline backend) or a model provider."""
        return self.settings.backend

    @property
    def provider(self) -> str:
        """`backend_name`, by the guide's name for it."""
        return self.backend_name

    @property
    def max_workers(self) -> int:
        """How many files are generated at once."""
        return self.settings.workers

    @classmethod
    def from_settings(
        cls,
        settings: BackendSettings,
        *,
        on_progress: Callable[[ProgressEvent], None] | None = None,
    ) -> SmartOrchestrator:
        """The orchestrator `agentflow.toml` and the command-line options describe."""
        return cls(settings=settings, on_progress=on_progress)

    def __enter__(self) -> SmartOrchestrator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release what the backend holds (a model backend's connections)."""
        close = getattr(self.backend, "close", None)
        if callable(close):
            close()

    def run(
        self,
        pattern: IntegrationPattern,
        subtasks: Sequence[Subtask],
        context: Mapping[str, Any],
        *,
        slug: str,
        previous: Mapping[str, GeneratedFile] | None = None,
        revise: Mapping[str, Revision] | None = None,
    ) -> list[GeneratedFile]:
        """Produce every subtask's file, dependencies first; returns files in subtask order.

        With `previous` (files by subtask id from an earlier run), only the subtasks in `revise`
        and those depending on them are produced again; a file produced again carries the cost
        of its earlier versions too.
        """
        order = _dependency_order(subtasks)
        previous, revise = previous or {}, revise or {}
        produced: dict[str, GeneratedFile] = {}
        workers = self.max_workers if self.calls_models else 1
        with ThreadPoolExecutor(max_workers=workers) as pool:
            running: dict[Future[GeneratedFile], Subtask] = {}
            while len(produced) < len(order):
                for subtask in _ready(order, produced, running.values()):
                    if _unaffected(subtask, previous, revise, produced):
                        produced[subtask.id] = previous[subtask.id]
                        continue
                    revision = revise.get(subtask.id)
                    request = self._request(subtask, pattern, context, slug, produced, revision)
                    self._emit(ProgressEvent("started", subtask.id))
                    running[pool.submit(self.backend.generate, request)] = subtask
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: order.index(running[f])):
                    subtask = running.pop(future)
                    earlier = previous.get(subtask.id)
                    produced[subtask.id] = _with_earlier_cost(future.result(), earlier)
                    self._account(subtask.id, produced[subtask.id])
        return [produced[s.id] for s in subtasks]

    def _request(
        self,
        subtask: Subtask,
        pattern: IntegrationPattern,
        context: Mapping[str, Any],
        slug: str,
        produced: Mapping[str, GeneratedFile],
        revision: Revision | None,
    ) -> GenerationRequest:
        dependencies = {produced[d].path: produced[d].text for d in subtask.depends_on}
        path = subtask.output_path(slug)
        return GenerationRequest(subtask, pattern, context, path, dependencies, revision)

    def _account(self, subtask: str, generated: GeneratedFile) -> None:
        with self._costs_lock:
            self._costs[subtask] += generated.cost
            self._calls[subtask] += 1
        self._emit(ProgressEvent("finished", subtask, generated.provenance))

    def _emit(self, event: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    def get_cost_summary(self) -> dict[str, Any]:
        """Total cost, cost per operation (subtask id) and per model over every run so far.

        `calls` counts files produced; `model_calls` the requests sent to providers (answers
        from the cache are free and not counted).
        """
        with self._costs_lock:
            costs, calls = dict(self._costs), sum(self._calls.values())
        by_model, model_calls = self.ledger.snapshot()
        return {
            "provider": self.backend_name,
            "total_cost": round(sum(costs.values()), 6),
            "by_operation": {op: round(cost, 6) for op, cost in sorted(costs.items())},
            "by_model": {m: round(c, 6) for m, c in sorted(by_model.items())},
            "calls": calls,
            "model_calls": model_calls,
        }


def _check_known(names: Sequence[str], backends: Mapping[str, object]) -> None:
    """Refuse a name that is neither an offline backend nor a model provider."""
    for name in names:
        if name not in backends and name not in PROVIDERS:
            known = ", ".join(sorted({*backends, *PROVIDERS}))
            raise InputError(f"unknown backend or provider {name!r}; available: {known}")


def _unaffected(
    subtask: Subtask,
    previous: Mapping[str, GeneratedFile],
    revise: Mapping[str, Revision],
    produced: Mapping[str, GeneratedFile],
) -> bool:
    """Whether the earlier file stands: not revised, and its dependencies are unchanged."""
    return (
        subtask.id in previous
        and subtask.id not in revise
        and all(produced[d] is previous.get(d) for d in subtask.depends_on)
    )


def _with_earlier_cost(generated: GeneratedFile, earlier: GeneratedFile | None) -> GeneratedFile:
    if earlier is None:
        return generated
    return replace(
        generated, cost=generated.cost + earlier.cost, tokens=generated.tokens + earlier.tokens
    )


def _ready(
    order: Sequence[Subtask], produced: Mapping[str, GeneratedFile], running: Any
) -> list[Subtask]:
    """Subtasks not yet started whose dependencies are all produced."""
    started = {s.id for s in running} | set(produced)
    return [s for s in order if s.id not in started and all(d in produced for d in s.depends_on)]


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

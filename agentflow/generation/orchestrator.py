"""SmartOrchestrator: runs a pattern's subtasks through a backend and accounts for cost.

With a model provider, each subtask goes to the provider's model for its complexity
(`model_selection`), then to each of `fallback_providers` in turn when a provider fails or its
answers are rejected, and finally to the template output unless `enable_fallback=False`. A
missing or refused key is an error unless fallback was asked for (see `fallback`); a provider
without a key or that cannot be reached is then skipped, with one warning.
Subtasks run in parallel as soon as the subtasks they depend on are done. Several builds may
share an orchestrator at once: what they share (costs, ledger, fallback policy) is locked.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from agentflow.errors import BackendError, InputError, LLMError
from agentflow.generation.backends import (
    Backend,
    GeneratedFile,
    GenerationRequest,
    TemplateBackend,
    load_backends,
)
from agentflow.generation.backends.base import Revision
from agentflow.generation.backends.key_pieces import provider_keys
from agentflow.generation.backends.providers import PROVIDERS
from agentflow.generation.budget import CostLedger
from agentflow.generation.fallback import Failure, FallbackPolicy
from agentflow.patterns.base import IntegrationPattern, Subtask
from agentflow.runtime.retry import RetryPolicy
from agentflow.settings import BackendSettings

if TYPE_CHECKING:
    from agentflow.generation.backends.enrich import EnrichBackend
    from agentflow.generation.backends.http_chat import HttpChatClient
    from agentflow.generation.backends.llm import ChatClient, ChatRequest, ChatResponse
    from agentflow.generation.response_cache import ResponseCache

__all__ = ["ProgressEvent", "SmartOrchestrator"]


@dataclass(frozen=True)
class ProgressEvent:
    """A subtask `started` or `finished` (then with the provenance of its file)."""

    kind: str
    subtask: str
    provenance: str | None = None


class SmartOrchestrator:
    """Produces a package's files, subtask by subtask, with the chosen backend.

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
            name=provider,
            fallback=None if fallback_providers is None else tuple(fallback_providers),
            model=model,
            base_url=base_url,
            max_cost=max_cost,
            workers=max_workers,
            timeout=timeout,
            max_retries=max_retries,
        )
        backends = load_backends()
        names = (self.provider, *self.settings.fallback)
        _check_known(names, backends)
        self.enable_fallback = enable_fallback
        self.enable_model_selection = enable_model_selection
        self.on_progress = on_progress
        self.ledger = CostLedger(self.settings.max_cost)
        self._fallback = FallbackPolicy(
            enable_fallback=enable_fallback,
            fallback_providers=self.settings.fallback,
            keys=provider_keys(),
            providers=[n for n in names if n not in backends],
        )
        self.backend: Backend = backends.get(self.provider, TemplateBackend)()
        self._chain: list[EnrichBackend] = []
        self._made_clients: list[HttpChatClient] = []
        if self.provider not in backends:
            if use_cache and cache is None:
                from agentflow.generation.response_cache import ResponseCache

                cache = ResponseCache()
            try:
                self._chain = [
                    self._enricher(name, clients=clients, cache=cache)
                    for name in names
                    if name not in backends
                ]
            except BaseException:
                self.close()
                raise
        self._costs: dict[str, float] = defaultdict(float)
        self._calls: dict[str, int] = defaultdict(int)
        self._costs_lock = threading.Lock()

    @property
    def provider(self) -> str:
        """The backend asked first: "template" or a model provider."""
        return self.settings.name

    @property
    def max_workers(self) -> int:
        """How many files are generated at once."""
        return self.settings.workers

    def _enricher(
        self, name: str, *, clients: Mapping[str, ChatClient] | None, cache: ResponseCache | None
    ) -> EnrichBackend:
        from agentflow.generation.backends.enrich import EnrichBackend
        from agentflow.generation.backends.providers import make_client

        primary = name == self.provider
        client = (clients or {}).get(name)
        if client is None:
            try:
                made = make_client(
                    name,
                    base_url=self.settings.base_url if primary else None,
                    timeout=self.settings.timeout,
                    retry=_retry_policy(self.settings.max_retries),
                )
            except LLMError as exc:
                if exc.kind != "auth":
                    raise
                self._fallback.failure(name, name, exc)  # raises unless fallback was asked for
                client = _MissingKey(name, exc)
            else:
                self._made_clients.append(made)
                client = made
        return EnrichBackend(
            client,
            ledger=self.ledger,
            cache=cache,
            model=self.settings.model if primary else None,
            model_selection=self.enable_model_selection,
            keys=getattr(client, "keys", None),
        )

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
        """Release the connections of the provider clients this orchestrator made."""
        for client in self._made_clients:
            client.close()

    @property
    def calls_models(self) -> bool:
        """Whether building asks model providers (and so may cost money), not only templates."""
        return bool(self._chain)

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
        workers = 1 if not self._chain else self.max_workers
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
                    running[pool.submit(self._produce, request)] = subtask
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

    def _produce(self, request: GenerationRequest) -> GeneratedFile:
        """The file from the first provider that succeeds, else the template output; files
        no model enriches are rendered directly (their provenance is plainly "template")."""
        if not self._chain:
            return self.backend.generate(request)
        from agentflow.generation.backends.enrich import ENRICHED_SUBTASKS, EnrichmentFailed
        from agentflow.python_ast import PARSE_LOCK

        if request.subtask.id not in ENRICHED_SUBTASKS:
            with PARSE_LOCK:
                return TemplateBackend().generate(request)
        spent, tokens = 0.0, 0
        failures: list[Failure] = []
        for backend in self._chain:
            try:
                generated = self._enrich(backend, request)
            except EnrichmentFailed as exc:
                spent, tokens = spent + exc.cost, tokens + exc.tokens
                failures.append(self._fallback.failure(backend.name, exc.model, exc))
                continue
            return replace(generated, cost=generated.cost + spent, tokens=generated.tokens + tokens)
        provenance = self._fallback.kept_template(request.path, failures)
        with PARSE_LOCK:
            fallback = TemplateBackend().generate(request)
        return replace(fallback, provenance=provenance, cost=spent, tokens=tokens)

    def _enrich(self, backend: EnrichBackend, request: GenerationRequest) -> GeneratedFile:
        """`backend`'s file, or `EnrichmentFailed` without asking when its provider is skipped."""
        from agentflow.generation.backends.enrich import EnrichmentFailed

        error = self._fallback.skipped(backend.name)
        if error is None:
            return backend.generate(request)
        model = backend.model_for(request)
        raise EnrichmentFailed(f"{error.kind}: {error}", model=model, cost=0.0, tokens=0) from error

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
            "provider": self.provider,
            "total_cost": round(sum(costs.values()), 6),
            "by_operation": {op: round(cost, 6) for op, cost in sorted(costs.items())},
            "by_model": {m: round(c, 6) for m, c in sorted(by_model.items())},
            "calls": calls,
            "model_calls": model_calls,
        }


class _MissingKey:
    """Stands for a provider whose client could not be made for want of a key: the fallback
    policy skips it (see `_enrich`), so the build makes no call and records why."""

    def __init__(self, provider: str, error: LLMError) -> None:
        self.provider = provider
        self.error = error

    def complete(self, request: ChatRequest) -> ChatResponse:
        """Fail as making the client did (`_enrich` never gets this far)."""
        raise self.error


def _retry_policy(max_retries: int) -> RetryPolicy:
    """The default backoff for model calls, with `max_retries` retries after the first try."""
    from agentflow.generation.backends.http_chat import DEFAULT_RETRY

    return replace(DEFAULT_RETRY, max_attempts=max_retries + 1)


def _check_known(names: Sequence[str], backends: Mapping[str, object]) -> None:
    """Refuse a provider that is neither an offline backend nor in the model table."""
    for name in names:
        if name not in backends and name not in PROVIDERS:
            known = ", ".join(sorted({*backends, *PROVIDERS}))
            raise InputError(f"unknown provider {name!r}; available: {known}")


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

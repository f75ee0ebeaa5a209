"""The model backend: a file from the chosen provider, else the next one, else the template.

Each enriched subtask (`enrich.ENRICHED_SUBTASKS`) goes to the first provider's model for its
complexity (`model_selection`), then to each fallback provider in turn when a provider fails
or its answers are rejected, and finally to the rendered template unless
`enable_fallback=False`. A missing or refused key is an error unless fallback was asked for
(see `fallback`); a provider without a key or that cannot be reached is then skipped, with
one warning. Other files are rendered directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from agentflow.errors import LLMError
from agentflow.generation.backends.base import GeneratedFile, GenerationRequest
from agentflow.generation.backends.enrich import (
    ENRICHED_SUBTASKS,
    EnrichBackend,
    EnrichmentFailed,
)
from agentflow.generation.backends.http_chat import DEFAULT_RETRY, HttpChatClient
from agentflow.generation.backends.key_pieces import provider_keys
from agentflow.generation.backends.llm import ChatClient, ChatRequest, ChatResponse
from agentflow.generation.backends.providers import make_client
from agentflow.generation.backends.template import TemplateBackend
from agentflow.generation.budget import CostLedger
from agentflow.generation.fallback import Failure, FallbackPolicy
from agentflow.generation.response_cache import ResponseCache
from agentflow.python_ast import PARSE_LOCK
from agentflow.settings import BackendSettings

__all__ = ["ModelBackend"]


class ModelBackend:
    """The `Backend` of model providers; `name` is the first of `providers`.

    `settings` give the first provider's model and address, and every call's timeout and
    retries; `clients` supplies ready `ChatClient`s by provider instead of HTTP ones. Close it
    to release the connections of the clients it made. Thread-safe, like its fallback policy.
    """

    def __init__(
        self,
        providers: Sequence[str],
        settings: BackendSettings,
        *,
        ledger: CostLedger,
        enable_fallback: bool | None = None,
        enable_model_selection: bool = True,
        clients: Mapping[str, ChatClient] | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        self.name = providers[0]
        self._settings = settings
        self._fallback = FallbackPolicy(
            enable_fallback=enable_fallback,
            fallback_providers=settings.fallback,
            keys=provider_keys(),
            providers=providers,
        )
        self._made_clients: list[HttpChatClient] = []
        try:
            self._chain = [
                self._enricher(name, clients or {}, ledger, cache, enable_model_selection)
                for name in providers
            ]
        except BaseException:
            self.close()
            raise

    def generate(self, request: GenerationRequest) -> GeneratedFile:
        """The file from the first provider that succeeds, else the template output; files
        no model enriches are rendered directly (their provenance is plainly "template")."""
        if request.subtask.id not in ENRICHED_SUBTASKS:
            with PARSE_LOCK:
                return TemplateBackend().generate(request)
        spent, tokens = 0.0, 0
        failures: list[Failure] = []
        for enricher in self._chain:
            try:
                generated = self._enrich(enricher, request)
            except EnrichmentFailed as exc:
                spent, tokens = spent + exc.cost, tokens + exc.tokens
                failures.append(self._fallback.failure(enricher.name, exc.model, exc))
                continue
            return replace(generated, cost=generated.cost + spent, tokens=generated.tokens + tokens)
        provenance = self._fallback.kept_template(request.path, failures)
        with PARSE_LOCK:
            fallback = TemplateBackend().generate(request)
        return replace(fallback, provenance=provenance, cost=spent, tokens=tokens)

    def close(self) -> None:
        """Release the connections of the provider clients this backend made."""
        for client in self._made_clients:
            client.close()

    def _enricher(
        self,
        name: str,
        clients: Mapping[str, ChatClient],
        ledger: CostLedger,
        cache: ResponseCache | None,
        model_selection: bool,
    ) -> EnrichBackend:
        primary = name == self.name
        client = clients.get(name)
        if client is None:
            try:
                made = make_client(
                    name,
                    base_url=self._settings.base_url if primary else None,
                    timeout=self._settings.timeout,
                    retry=replace(DEFAULT_RETRY, max_attempts=self._settings.max_retries + 1),
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
            ledger=ledger,
            cache=cache,
            model=self._settings.model if primary else None,
            model_selection=model_selection,
            keys=getattr(client, "keys", None),
        )

    def _enrich(self, enricher: EnrichBackend, request: GenerationRequest) -> GeneratedFile:
        """`enricher`'s file, or `EnrichmentFailed` without asking when its provider is
        skipped."""
        error = self._fallback.skipped(enricher.name)
        if error is None:
            return enricher.generate(request)
        model = enricher.model_for(request)
        raise EnrichmentFailed(f"{error.kind}: {error}", model=model, cost=0.0, tokens=0) from error


class _MissingKey:
    """Stands for a provider whose client could not be made for want of a key: the fallback
    policy skips it (see `_enrich`), so the build makes no call and records why."""

    def __init__(self, provider: str, error: LLMError) -> None:
        self.provider = provider
        self.error = error

    def complete(self, request: ChatRequest) -> ChatResponse:
        """Fail as making the client did (`_enrich` never gets this far)."""
        raise self.error

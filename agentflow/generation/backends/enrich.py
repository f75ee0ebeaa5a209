"""The model backend: render the template, then ask a model for a better version of it.

The prompt holds the normalized requirements, the files this one depends on (the adapter's
final text for its tests, docs and examples) and the rendered file. Every answer passes
`guard.check_rewrite`; a rejected answer goes back with the problems for at most
`max_repairs` more tries. An answer holding a provider key, or any piece of one, is rejected
before anything else and never cached, and no prompt ever carries a piece of a key back.
Only the adapter, tests, docs and examples are enriched; configuration and packaging files
stay exactly as rendered. A file too long for the model to
answer in full (see `pricing.OUTPUT_LIMITS`) is not sent: the answer would be cut off, and
paid for.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from agentflow import __version__
from agentflow.errors import BackendError, LLMError
from agentflow.generation.backends.base import GeneratedFile, GenerationRequest
from agentflow.generation.backends.guard import (
    GUARD_VERSION,
    check_rewrite,
    literal_facts,
    requirement_addresses,
    strip_fences,
)
from agentflow.generation.backends.key_pieces import ProviderKeys, provider_keys
from agentflow.generation.backends.llm import ChatClient, ChatRequest, ChatResponse
from agentflow.generation.backends.pricing import (
    CHARS_PER_TOKEN,
    cost,
    estimate_cost,
    output_limit,
)
from agentflow.generation.backends.template import TemplateBackend
from agentflow.generation.budget import CostLedger
from agentflow.generation.model_selection import select_model
from agentflow.generation.response_cache import ResponseCache
from agentflow.python_ast import PARSE_LOCK

__all__ = ["ENRICHED_SUBTASKS", "SYSTEM_PROMPT", "EnrichBackend", "EnrichmentFailed"]

ENRICHED_SUBTASKS = frozenset({"adapter", "tests", "docs", "examples"})

SYSTEM_PROMPT = (
    "You improve one file of a generated Python integration package. Reply with the complete "
    "new file only: no commentary, no Markdown fences. Keep every public name, the base URL, "
    "endpoint paths, parameter names, the auth scheme and environment variable names exactly "
    "as they are, and add no imports."
)
IMPROVE = (
    "Improve it: richer documentation, usage examples and tests specific to this service, "
    "clearer names for private helpers and clearer docstrings."
)


class EnrichmentFailed(BackendError):
    """A provider gave no acceptable file; says why and what the attempt cost."""

    def __init__(self, message: str, *, model: str, cost: float, tokens: int) -> None:
        super().__init__(message)
        self.model = model
        self.cost = cost
        self.tokens = tokens


@dataclass(frozen=True)
class _Reference:
    """What an answer is checked against: the rendered file, the requirements' literal facts
    it holds and the addresses the requirements name."""

    text: str
    facts: set[str]
    addresses: set[str]


@dataclass
class _Spend:
    cost: float = 0.0
    tokens: int = 0


class EnrichBackend:
    """Enriches template output with one provider's models; `name` is the provider."""

    def __init__(
        self,
        client: ChatClient,
        *,
        ledger: CostLedger,
        cache: ResponseCache | None = None,
        model: str | None = None,
        model_selection: bool = True,
        max_repairs: int = 2,
        max_tokens: int | None = None,
        keys: ProviderKeys | None = None,
    ) -> None:
        self.client = client
        self.keys = keys if keys is not None else provider_keys()
        self.name = client.provider
        self.ledger = ledger
        self.cache = cache
        self.model = model
        self.model_selection = model_selection
        self.max_repairs = max_repairs
        self.max_tokens = max_tokens

    def model_for(self, request: GenerationRequest) -> str:
        """The model this subtask goes to (see `model_selection`)."""
        return select_model(
            self.name,
            request.subtask.complexity,
            enabled=self.model_selection,
            override=self.model,
        )

    def generate(self, request: GenerationRequest) -> GeneratedFile:
        """The enriched file, or `EnrichmentFailed` when no answer is acceptable."""
        with PARSE_LOCK:
            base = TemplateBackend().generate(request)
        if request.subtask.id not in ENRICHED_SUBTASKS:
            return base
        model, spend = self.model_for(request), _Spend()
        max_tokens = self._answer_limit(model, request.path, base.text)
        config = request.context.get("config", {})
        reference = _Reference(
            base.text,
            literal_facts(config, base.text, str(request.context.get("env_prefix", ""))),
            requirement_addresses(config),
        )
        prompt = build_prompt(request, base.text)
        if request.revision is not None:
            revision = request.revision
            prompt = repair_prompt(
                prompt, revision.previous, list(revision.problems), keys=self.keys
            )
        for _attempt in range(self.max_repairs + 1):
            response, key = self._ask(model, prompt, max_tokens, spend)
            text = strip_fences(response.text)
            problems = self._check(request, text, reference, key)
            if not problems:
                return GeneratedFile(
                    request.path, text, request.subtask.id, model, spend.cost, spend.tokens
                )
            prompt = repair_prompt(prompt, text, problems, keys=self.keys)
        raise EnrichmentFailed(
            self.keys.redact(f"rejected after {self.max_repairs} repairs: {problems[0]}"),
            model=model,
            cost=spend.cost,
            tokens=spend.tokens,
        )

    def _check(
        self, request: GenerationRequest, text: str, reference: _Reference, key: str
    ) -> list[str]:
        """The guard's problems with an answer; none for this very text accepted before by
        the same checks (see `ResponseCache.is_accepted`)."""
        if self.keys.leaks(text):
            return [f"{request.path}: the answer holds a provider key or a piece of one"]
        checked_by = (
            f"agentflow {__version__}, guard {GUARD_VERSION}, pattern {request.pattern.name}"
        )
        if self.cache is not None and self.cache.is_accepted(key, checked_by=checked_by, text=text):
            return []
        problems = check_rewrite(
            request.path,
            text,
            reference.text,
            facts=reference.facts,
            pattern=request.pattern,
            others=request.dependencies,
            addresses=reference.addresses,
        )
        if not problems and self.cache is not None:
            self.cache.mark_accepted(key, checked_by=checked_by, text=text)
        return problems

    def _answer_limit(self, model: str, path: str, rendered: str) -> int:
        """`max_tokens` for a file: room for twice its length, within the model's limit.

        Raises `EnrichmentFailed` when even the rendered length, with a margin for code's
        denser tokens, may not fit.
        """
        limit = self.max_tokens or output_limit(model)
        expected = math.ceil(len(rendered) / CHARS_PER_TOKEN)
        if expected * 3 // 2 > limit:
            message = f"{path} is about {expected} tokens, too long for {model}'s {limit}"
            raise EnrichmentFailed(message, model=model, cost=0.0, tokens=0)
        return min(limit, 2 * expected + 1024)

    def _ask(
        self, model: str, prompt: str, max_tokens: int, spend: _Spend
    ) -> tuple[ChatResponse, str]:
        """One answer and its cache key, from the cache (free) or the provider (reserved
        against the budget)."""
        chat = ChatRequest(model, SYSTEM_PROMPT, prompt, max_tokens=max_tokens)
        key = ResponseCache.key(self.name, chat)
        if self.cache is not None and (cached := self.cache.get(key)) is not None:
            if not self.keys.leaks(cached.text):
                return cached, key
            self.cache.discard(key)  # an answer holding a key is neither used nor kept
        estimate = estimate_cost(model, len(SYSTEM_PROMPT) + len(prompt), max_tokens)
        try:  # the budget, the provider or the ledger (an amount no call can cost) may refuse
            self.ledger.reserve(model, estimate)
            try:
                response = self.client.complete(chat)
            except LLMError as exc:
                self._pay(model, estimate, exc.billed_tokens, spend)
                raise
            self._pay(model, estimate, (response.input_tokens, response.output_tokens), spend)
        except LLMError as exc:
            reason = f"{exc.kind}: {exc}"
            raise EnrichmentFailed(
                reason, model=model, cost=spend.cost, tokens=spend.tokens
            ) from exc
        if self.cache is not None and not self.keys.leaks(response.text):
            self.cache.put(key, response)
        return response, key

    def _pay(self, model: str, estimate: float, tokens: tuple[int, int], spend: _Spend) -> None:
        """Settle a reserved call at what the provider billed for it."""
        paid = cost(model, *tokens)
        self.ledger.settle(model, estimate, paid)
        spend.cost += paid
        spend.tokens += sum(tokens)


def build_prompt(request: GenerationRequest, rendered: str) -> str:
    """Requirements, the files depended on, then the rendered file and what to improve."""
    config = json.dumps(request.context.get("config", {}), indent=2, sort_keys=True)
    parts = [f"Service: {request.context.get('service', '')}", f"Requirements:\n{config}"]
    parts += [
        f"File this one depends on ({path}):\n{text}"
        for path, text in sorted(request.dependencies.items())
    ]
    parts.append(f"File to improve: {request.path} ({request.subtask.description}). {IMPROVE}")
    parts.append(f"Current file:\n{rendered}")
    return "\n\n".join(parts)


def repair_prompt(prompt: str, answer: str, problems: list[str], *, keys: ProviderKeys) -> str:
    """The original prompt with the rejected answer and why it was rejected, every piece of
    a provider key in `keys` redacted."""
    listed = "\n".join(f"- {problem}" for problem in problems)
    text = (
        f"{prompt}\n\nYour previous answer was rejected:\n{listed}\n\n"
        f"Previous answer:\n{answer}\n\nReply with the corrected complete file."
    )
    return keys.redact(text)

"""The REST API pattern: an httpx client package for an HTTP service."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from agentflow.patterns import IntegrationPattern, Mutant, PatternMatch
from agentflow.patterns.api.context import build_api_context
from agentflow.patterns.api.mutants import API_MUTANTS
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.patterns.api.rules import check_api_package
from agentflow.patterns.signals import (
    Entry,
    KeySignal,
    Scorecard,
    SpecView,
    is_collection,
    show,
)


class ApiPattern(IntegrationPattern):
    """REST/HTTP APIs: sync and async httpx clients with one typed method per endpoint.

    Without declared endpoints the clients get a generic `request` method instead.
    """

    name = "api"
    description = "REST/HTTP API client (httpx, sync and async)"
    requirements_model = ApiRequirements
    # What adapter.py.jinja imports from `<slug>_utils`; nothing else of the runtime ships.
    runtime_modules = ("circuit_breaker", "errors", "metrics", "rate_limiter", "retry", "secrets")

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        """Score by an http(s) base URL, HTTP operations, HTTP auth, rate limits, OpenAPI."""
        view = SpecView(requirements)
        card = Scorecard(self.name)
        _score_base_url(view, card)
        _score_endpoints(view, card)
        _score_auth(view, card)
        card.add_keys(view, _KEY_SIGNALS)
        return card.match()

    def build_context(self, requirements: BaseModel, *, slug: str) -> dict[str, Any]:
        assert isinstance(requirements, ApiRequirements)
        return build_api_context(requirements.resolved(slug), slug=slug)

    def validate(self, generated_code: Mapping[str, str]) -> list[str]:
        return check_api_package(generated_code)

    def mutants(self) -> Sequence[Mutant]:
        """Wrong path, wrong method, credentials dropped, retries off (see api_mutants)."""
        return API_MUTANTS


_HTTP = frozenset({"http", "https"})
_HTTP_AUTH = frozenset({"bearer", "api_key", "apikey", "basic"})
_AUTH_PATHS = frozenset({"auth_type", "auth", "auth.type"})
_OPERATION = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+/", re.IGNORECASE)
_KEY_SIGNALS = (
    KeySignal(("openapi", "openapi_url", "spec_url"), 0.35, "an OpenAPI description"),
    KeySignal(("rate_limit",), 0.1, "a client-side request rate limit"),
)


def _score_base_url(view: SpecView, card: Scorecard) -> None:
    """`base_url` anywhere, or a top-level `url`, holding an http(s) URL."""
    for text, scheme, _ in view.urls():
        if scheme not in _HTTP:
            continue
        if text.key == "base_url":
            reason = f"{text.path} {show(text.text)} is an http(s) URL"
            card.add(0.5, reason, level=text.level)
            return
        if text.path == "url":
            card.add(0.35, f"url {show(text.text)} is an http(s) URL")
            return


def _score_endpoints(view: SpecView, card: Scorecard) -> None:
    """An `endpoints` list of HTTP operations is the clearest sign of an API."""
    entry = view.find(("endpoints",), is_collection)
    if entry is None:
        return
    operations = _count_operations(view, entry)
    if operations:
        reason = f"{entry.path} lists {operations} operation(s) with method and path"
        card.add(0.4, reason, level=entry.level)
    else:
        card.add(0.15, f"{entry.path} declares endpoints", level=entry.level)


def _count_operations(view: SpecView, endpoints: Entry) -> int:
    """Items under `endpoints` with a string `method` and `path`, or written `"GET /x"`.

    Read from the walk rather than the raw value, so odd values cannot break it.
    """
    inside = (f"{endpoints.path}[", f"{endpoints.path}.")
    found: dict[str, set[str]] = {}
    for entry in view.entries:
        if (
            entry.key in {"method", "path"}
            and isinstance(entry.value, str)
            and endpoints.level < entry.level <= endpoints.level + 2
            and entry.path.startswith(inside)
        ):
            found.setdefault(entry.path.rsplit(".", 1)[0], set()).add(entry.key)
    short_forms = sum(
        1
        for text in view.texts
        if text.level == endpoints.level
        and text.path.startswith(inside[0])
        and _OPERATION.match(text.text)
    )
    return sum(1 for keys in found.values() if len(keys) == 2) + short_forms


def _score_auth(view: SpecView, card: Scorecard) -> None:
    """`auth_type: bearer`, `auth: basic` or the explicit form `auth: {type: api_key}`."""
    for text, word in view.words(("auth_type", "auth", "type")):
        if word in _HTTP_AUTH and text.path in _AUTH_PATHS:
            card.add(0.15, f"{text.path} {show(text.text)} is an HTTP auth scheme")
            return

"""Template context of the API pattern: every name and value the templates loop over.

Templates never derive names themselves. Here each endpoint becomes an `EndpointView` with
a unique method name, sanitized parameter names mapped back to the original placeholders
and query keys, and the sample values the generated tests send. Without endpoints the
clients get a generic `request` method instead, and its `get`/`post`/… shortcuts are
described as `EndpointView`s too, so the generated tests exercise them exactly like
endpoint methods. Everything is sorted, so the same requirements always render
byte-identical files; names that cannot be made unique raise `SpecError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from agentflow.patterns import unique_identifiers
from agentflow.patterns.api.naming import (
    RESERVED_PARAMS,
    ClassNames,
    method_names,
    spec_error,
)
from agentflow.patterns.api.requirements import (
    IDEMPOTENT_METHODS,
    ApiRequirements,
    AuthConfig,
    CircuitBreakerConfig,
    Endpoint,
    QueryParam,
    RetryConfig,
)

__all__ = [
    "ApiContext",
    "EndpointView",
    "PaginationView",
    "ParamView",
    "RateLimitView",
    "build_api_context",
]

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_QUERY_SAMPLES: dict[str, tuple[Any, str]] = {
    "str": ("a b&c", "a b&c"),
    "int": (7, "7"),
    "float": (2.5, "2.5"),
    "bool": (True, "true"),
}
# The generic client's shortcut methods, sorted by name; those that take a JSON body.
_GENERIC_VERBS = ("DELETE", "GET", "PATCH", "POST", "PUT")
_BODY_VERBS = frozenset({"PATCH", "POST", "PUT"})
# The path generated tests send through the generic client.
_GENERIC_SAMPLE_PATH = "/items/42"


@dataclass(frozen=True)
class ParamView:
    """A path or query parameter: its wire name, Python name, type and test sample."""

    name: str
    python_name: str
    type: str
    required: bool
    description: str
    sample: Any
    wire_sample: str


@dataclass(frozen=True)
class PaginationView:
    """How the `iter_<method>` helper of a paginated endpoint walks the pages."""

    style: str
    iter_name: str
    cursor_param: str
    next_field: str
    page_param: str
    items_field: str | None


@dataclass(frozen=True)
class EndpointView:
    """One endpoint as the templates need it.

    `description` may be empty; `retry` is the spec's explicit override (None: by method).
    """

    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    path_params: tuple[ParamView, ...]
    query_params: tuple[ParamView, ...]
    body: bool
    retry: bool | None
    retryable: bool
    pagination: PaginationView | None
    sample_path: str

    @property
    def params(self) -> tuple[ParamView, ...]:
        """Path parameters, then query parameters."""
        return self.path_params + self.query_params

    @property
    def required_query(self) -> tuple[ParamView, ...]:
        """Query parameters the caller must pass."""
        return tuple(p for p in self.query_params if p.required)

    @property
    def live_safe(self) -> bool:
        """A GET needing no arguments: safe to call against the real service."""
        return self.http_method == "GET" and not self.path_params and not self.required_query


@dataclass(frozen=True)
class RateLimitView:
    """A client-side rate limit, as written and as a sustained per-second rate."""

    requests: int | float
    per: str
    period_seconds: int
    per_second: float
    burst: float

    @property
    def summary(self) -> str:
        """`5000 requests per hour (1.39/s sustained)`."""
        text = f"{self.requests:g} requests per {self.per}"
        return text if self.per == "second" else f"{text} ({self.per_second:.2f}/s sustained)"


@dataclass(frozen=True)
class ApiContext:
    """Everything API templates loop over, sorted by method name.

    `generic` is true when no endpoint is declared: the clients then have the generic
    `request` method, and `shortcuts` holds its `get`/`post`/… shortcuts (else empty).
    """

    base_url: str
    base_path: str
    timeout: float
    auth: AuthConfig
    secret_env_vars: tuple[str, ...]
    rate_limit: RateLimitView | None
    retry: RetryConfig
    circuit_breaker: CircuitBreakerConfig
    headers: tuple[tuple[str, str], ...]
    endpoints: tuple[EndpointView, ...]
    generic: bool
    shortcuts: tuple[EndpointView, ...]

    @property
    def calls(self) -> tuple[EndpointView, ...]:
        """The methods tests and examples call: the endpoints, else the generic shortcuts."""
        return self.endpoints or self.shortcuts

    @property
    def paginated(self) -> tuple[EndpointView, ...]:
        """Endpoints with an `iter_` helper."""
        return tuple(e for e in self.endpoints if e.pagination)

    @property
    def pagination_styles(self) -> tuple[str, ...]:
        """The pagination styles in use, sorted."""
        return tuple(sorted({e.pagination.style for e in self.endpoints if e.pagination}))

    @property
    def has_path_params(self) -> bool:
        """Whether any endpoint formats parameters into its path."""
        return any(e.path_params for e in self.endpoints)

    @property
    def has_query(self) -> bool:
        """Whether any endpoint takes query parameters."""
        return any(e.query_params for e in self.endpoints)

    @property
    def live_endpoints(self) -> tuple[EndpointView, ...]:
        """GET endpoints without arguments, for tests against the real service."""
        return tuple(e for e in self.endpoints if e.live_safe)

    @property
    def probe(self) -> EndpointView:
        """The method failure-path tests exercise: retryable by default if possible.

        For the generic client, `get`: the shortcut users call most.
        """
        if not self.endpoints:
            return self.example
        ranked = sorted(self.endpoints, key=lambda e: (not e.retryable, e.retry is False))
        return ranked[0]

    @property
    def non_idempotent(self) -> EndpointView | None:
        """A method that is not retried by default, to test exactly that."""
        return next((e for e in self.calls if not e.retryable and e.retry is None), None)

    @property
    def example(self) -> EndpointView:
        """The method the examples call: a safe GET if there is one."""
        gets = [e for e in self.calls if e.http_method == "GET"]
        return (self.live_endpoints or gets or self.calls)[0]


def build_api_context(requirements: ApiRequirements, *, slug: str) -> dict[str, Any]:
    """Template variables for an API package: `api` (an `ApiContext`) and `class_names`.

    `requirements` must already be `resolved(slug)` so secret variable names are filled in.
    """
    _check_headers(requirements.headers)
    names = method_names(requirements.endpoints)
    views = sorted(
        (_endpoint_view(e, i, names[i]) for i, e in enumerate(requirements.endpoints)),
        key=lambda view: view.method_name,
    )
    _check_iter_names(views)
    auth = requirements.auth
    api = ApiContext(
        base_url=requirements.base_url,
        base_path=unquote(urlsplit(requirements.base_url).path.rstrip("/")),
        timeout=requirements.timeout,
        auth=auth,
        secret_env_vars=tuple(n for n in (auth.env_var, auth.username_env, auth.password_env) if n),
        rate_limit=_rate_limit_view(requirements),
        retry=requirements.retry,
        circuit_breaker=requirements.circuit_breaker,
        headers=tuple(sorted(requirements.headers.items())),
        endpoints=tuple(views),
        generic=not views,
        shortcuts=() if views else tuple(_shortcut_view(verb) for verb in _GENERIC_VERBS),
    )
    return {"api": api, "class_names": ClassNames.for_prefix}


def _shortcut_view(verb: str) -> EndpointView:
    """The generic client's shortcut for `verb` (`get(path, …)`), seen as an endpoint whose
    one path parameter is the whole path, so templates call it like an endpoint method."""
    path = ParamView(
        name="path",
        python_name="path",
        type="str",
        required=True,
        description="the path below the base URL, starting with '/'",
        sample=_GENERIC_SAMPLE_PATH,
        wire_sample=_GENERIC_SAMPLE_PATH,
    )
    return EndpointView(
        method_name=verb.lower(),
        http_method=verb,
        path="{path}",
        summary=f"{verb} {{path}}",
        description="",
        path_params=(path,),
        query_params=(),
        body=verb in _BODY_VERBS,
        retry=None,
        retryable=verb in IDEMPOTENT_METHODS,
        pagination=None,
        sample_path=_GENERIC_SAMPLE_PATH,
    )


def _rate_limit_view(requirements: ApiRequirements) -> RateLimitView | None:
    limit = requirements.rate_limit
    if limit is None:
        return None
    requests = int(limit.requests) if limit.requests.is_integer() else limit.requests
    return RateLimitView(
        requests=requests,
        per=limit.per,
        period_seconds=limit.period_seconds,
        per_second=limit.per_second,
        burst=max(1.0, limit.per_second),
    )


def _check_headers(headers: dict[str, str]) -> None:
    for name, value in sorted(headers.items()):
        if not (value.isascii() and value.isprintable()):
            raise spec_error(
                f"the value of header {name!r} must be printable ASCII (no line breaks, "
                "tabs or control characters)",
                f"requirements.headers.{name}",
            )


def _check_iter_names(views: list[EndpointView]) -> None:
    methods = {v.method_name for v in views}
    for view in views:
        if view.pagination and view.pagination.iter_name in methods:
            raise spec_error(
                f"the pagination helper {view.pagination.iter_name!r} of endpoint "
                f"{view.http_method} {view.path} has the name of another endpoint's method",
                "requirements.endpoints",
                "rename the endpoint whose name starts with 'iter_'",
            )


def _endpoint_view(endpoint: Endpoint, index: int, method_name: str) -> EndpointView:
    field = f"requirements.endpoints[{index}]"
    _check_query_names(endpoint.query, field)
    raw = [*endpoint.path_params, *(q.name for q in endpoint.query)]
    python = unique_identifiers(raw, taken=RESERVED_PARAMS)
    path_params = tuple(
        _path_param(name, python[i], i) for i, name in enumerate(endpoint.path_params)
    )
    offset = len(path_params)
    query = tuple(_query_param(q, python[offset + i]) for i, q in enumerate(endpoint.query))
    summary = f"{endpoint.method} {endpoint.path}"
    return EndpointView(
        method_name=method_name,
        http_method=endpoint.method,
        path=endpoint.path,
        summary=summary,
        description=endpoint.description.strip(),
        path_params=path_params,
        query_params=query,
        body=endpoint.body,
        retry=endpoint.retry,
        retryable=endpoint.retryable,
        pagination=_pagination_view(endpoint, method_name, field),
        sample_path=_sample_path(endpoint.path, {p.name: p.sample for p in path_params}),
    )


def _check_query_names(query: tuple[QueryParam, ...], field: str) -> None:
    names = [q.name for q in query]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise spec_error(f"query parameter {repeated[0]!r} is declared twice", f"{field}.query")


def _path_param(name: str, python_name: str, position: int) -> ParamView:
    sample = f"v{position} /{position}"
    return ParamView(
        name=name,
        python_name=python_name,
        type="str | int",
        required=True,
        description=f"the {{{name}}} path segment",
        sample=sample,
        wire_sample=sample,
    )


def _query_param(param: QueryParam, python_name: str) -> ParamView:
    sample, wire = _QUERY_SAMPLES[param.type]
    return ParamView(
        name=param.name,
        python_name=python_name,
        type=param.type,
        required=param.required,
        description=param.description.strip() or f"the {param.name} query parameter",
        sample=sample,
        wire_sample=wire,
    )


def _pagination_view(endpoint: Endpoint, method_name: str, field: str) -> PaginationView | None:
    page = endpoint.pagination
    if page is None:
        return None
    if page.style == "cursor" and page.items_field is None:
        raise spec_error(
            "cursor pagination needs `items_field`: the response must be an object holding "
            "the items and the next cursor",
            f"{field}.pagination.items_field",
            "for example items_field: data",
        )
    return PaginationView(
        style=page.style,
        iter_name=f"iter_{method_name}",
        cursor_param=page.cursor_param,
        next_field=page.next_field,
        page_param=page.page_param,
        items_field=page.items_field,
    )


def _sample_path(path: str, samples: dict[str, str]) -> str:
    """The decoded path a test request with `samples` reaches (static parts unquoted)."""
    pieces = _PLACEHOLDER.split(path)
    return "".join(samples[p] if i % 2 else unquote(p) for i, p in enumerate(pieces))

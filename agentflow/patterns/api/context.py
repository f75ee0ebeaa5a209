"""Template context of the API pattern: every name, list and condition the templates use.

Templates never derive anything themselves: they loop over ready values and print them
through the escaping filters. Here the requirements become an `ApiContext` holding one
`EndpointView` per endpoint (or the generic client's shortcuts), and the package-wide
choices the templates lay out: imports and exports, the probe the failure-path tests
call, the example call, the condition live tests run under, the two client flavours.
Everything is sorted, so the same requirements always render byte-identical files; names
that cannot be made unique raise `SpecError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import unquote, urlsplit

from agentflow.patterns import package_names, pyrepr
from agentflow.patterns.api.endpoints import endpoint_view, shortcut_views
from agentflow.patterns.api.flavors import ASYNC_CLIENT, SYNC_CLIENT, ClientFlavor
from agentflow.patterns.api.fragments import mapping
from agentflow.patterns.api.naming import ClassNames, is_adapter_name, spec_error
from agentflow.patterns.api.paging import PaginationView
from agentflow.patterns.api.probes import Probes
from agentflow.patterns.api.requirements import (
    ApiRequirements,
    AuthConfig,
    CircuitBreakerConfig,
    RetryConfig,
)
from agentflow.patterns.api.resources import (
    ResourceView,
    placed_method_names,
    resource_views,
    with_keys,
)
from agentflow.patterns.api.views import EndpointView, ParamView
from agentflow.patterns.schemas import ModelView, SchemaTypes

__all__ = [
    "ApiContext",
    "EndpointView",
    "PaginationView",
    "ParamView",
    "RateLimitView",
    "ResourceView",
    "build_api_context",
]

# What generated tests always import from the adapter besides its classes.
_TEST_IMPORTS = ("CircuitOpenError", "ConfigurationError", "ENV_PREFIX")
# Names every adapter exports besides its own classes.
_RUNTIME_EXPORTS = (
    "APIResponse",
    "CircuitOpenError",
    "ConfigurationError",
    "ENV_PREFIX",
    "IntegrationError",
    "MissingSecretError",
    "SECRET_ENV_VARS",
)


@dataclass(frozen=True)
class RateLimitView:
    """A client-side rate limit, as written and as a sustained per-second rate; `burst`
    is the window's quota (at least 1), so calls within quota never wait."""

    requests: int | float
    per: str
    period_seconds: int
    per_second: float
    burst: float

    @property
    def calls_within_burst(self) -> int:
        """How many calls in a row the tests make to show the burst never waits (at most 5)."""
        return min(5, int(self.burst))

    @property
    def summary(self) -> str:
        """`5000 requests per hour (1.39/s sustained)`."""
        text = f"{self.requests:g} requests per {self.per}"
        return text if self.per == "second" else f"{text} ({self.per_second:.2f}/s sustained)"


@dataclass(frozen=True)
class ApiContext(Probes):
    """Everything API templates loop over, sorted by how a client reaches the method
    (`get_user`, `issues.list`).

    `generic` is true when no endpoint is declared: the clients then have the generic
    `request` method, and `shortcuts` holds its `get`/`post`/… shortcuts (else empty).
    `resources` are the client attributes grouping endpoints (`client.issues`), by name.
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
    idempotency_header: str | None
    rate_limit_signals: tuple[tuple[int, str, str | None], ...]
    endpoints: tuple[EndpointView, ...]
    generic: bool
    shortcuts: tuple[EndpointView, ...]
    env_prefix: str
    models: tuple[ModelView, ...]
    uses_datetime: bool
    uses_literal: bool
    resources: tuple[ResourceView, ...]

    @property
    def typed(self) -> bool:
        """Whether any method returns or takes a declared type (pydantic is then used)."""
        return bool(self.models) or any(e.typing.typed for e in self.endpoints)

    @property
    def type_adapters(self) -> tuple[tuple[str, str], ...]:
        """The module-level `pydantic.TypeAdapter`s: (name, annotation), sorted."""
        return tuple(sorted(e.typing.adapter for e in self.endpoints if e.typing.adapter))

    @property
    def body_models(self) -> bool:
        """Whether any body may be given as a model."""
        return any(e.typing.body_model for e in self.endpoints)

    @property
    def resource_example(self) -> EndpointView | None:
        """The resource method the guide shows, a GET if there is one (None without
        resources)."""
        methods = [e for e in self.endpoints if e.resource is not None]
        gets = [e for e in methods if e.http_method == "GET"]
        return next(iter(gets or methods), None)

    @property
    def client_endpoints(self) -> tuple[EndpointView, ...]:
        """Endpoints whose methods are the clients' own, not a resource's."""
        return tuple(e for e in self.endpoints if e.resource is None)

    @property
    def paginated(self) -> tuple[EndpointView, ...]:
        """Endpoints whose methods return a page."""
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
    def any_retry_forced(self) -> bool:
        """Whether an endpoint was declared `retry: true`."""
        return any(e.retry is True for e in self.endpoints)

    @property
    def auth_scheme(self) -> str:
        """How credentials travel: none, bearer, api_key_header, api_key_query or basic."""
        return f"api_key_{self.auth.location}" if self.auth.type == "api_key" else self.auth.type

    @property
    def header_count(self) -> int:
        """Headers the guide lists: Accept, User-Agent and the declared ones."""
        return len(self.headers) + 2

    @property
    def sends_default_accept(self) -> bool:
        """Whether the default `Accept` header is sent (no declared header replaces it)."""
        return "accept" not in self._header_names

    @property
    def sends_default_user_agent(self) -> bool:
        """Whether the default `User-Agent` header is sent."""
        return "user-agent" not in self._header_names

    @property
    def typing_imports(self) -> str:
        """What the adapter imports from `typing`."""
        literal = ("Literal",) if self.uses_literal else ()
        return ", ".join(sorted(("Any", "Generic", "ParamSpec", "TypeVar", "cast", *literal)))

    @property
    def abc_imports(self) -> str:
        """What the adapter imports from `collections.abc`."""
        iterators = ("AsyncIterator", "Iterator") if self.paginated else ()
        return ", ".join(sorted(("Awaitable", "Callable", "Mapping", *iterators)))

    @property
    def urllib_imports(self) -> str:
        """What the adapter imports from `urllib.parse`."""
        names = [("quote", self.has_path_params), ("unquote", self.generic), ("urlsplit", True)]
        return ", ".join(name for name, used in names if used)

    @property
    def credential_params(self) -> tuple[tuple[str, str], ...]:
        """(client argument, environment variable) of each credential: `token`, `api_key`,
        or `username` and `password`, as the auth scheme suggests."""
        params = {"bearer": ("token",), "api_key": ("api_key",), "basic": ("username", "password")}
        return tuple(zip(params.get(self.auth.type, ()), self.secret_env_vars, strict=True))

    @property
    def credentials_mapping(self) -> str:
        """The credentials the client passes on, as code: `{"GITHUB_TOKEN": token}`."""
        return mapping((var, param) for param, var in self.credential_params)

    @property
    def credential_kwargs(self) -> str:
        """The credentials as arguments tests pass to a client, followed by `, `:
        `token=FAKE_SECRETS["GITHUB_TOKEN"], `."""
        return "".join(f"{p}=FAKE_SECRETS[{pyrepr(var)}], " for p, var in self.credential_params)

    @property
    def raw_methods(self) -> tuple[str, ...]:
        """The methods `with_raw_response` offers: every call."""
        generic = ("request",) if self.generic else ()
        return (*generic, *(e.method_name for e in self.calls if e.resource is None))

    @property
    def sends_bodies(self) -> bool:
        """Whether any method sends a body (and so takes `extra_body`)."""
        return any(e.body for e in self.calls)

    @property
    def sends_forms(self) -> bool:
        """Whether any method sends form fields (form or multipart), through `_form`."""
        return any(e.body in ("form", "multipart") for e in self.endpoints)

    @property
    def clients(self) -> tuple[ClientFlavor, ...]:
        """The client classes to write: sync, then async."""
        return (SYNC_CLIENT, ASYNC_CLIENT)

    def exports(self, names: ClassNames) -> tuple[str, ...]:
        """The adapter's `__all__`, sorted."""
        classes = (*names.defined(generic=self.generic), *names.resource_classes())
        pages = ("AsyncPage", "SyncPage") if self.paginated else ()
        models = (m.name for m in self.models)
        return tuple(sorted((*classes, *_RUNTIME_EXPORTS, *pages, *models)))

    def test_imports(self, names: ClassNames) -> tuple[str, ...]:
        """What the generated tests import from the adapter: constants, then classes."""
        resources = (
            names.resource_class(r.name, is_async=a) for r in self.resources for a in (False, True)
        )
        used = [
            *names.defined(generic=self.generic),
            *resources,
            *_TEST_IMPORTS,
            *self._test_parsers,
        ]
        if self.secret_env_vars:
            used.append("MissingSecretError")
            if self.live_endpoints:
                used.append("SECRET_ENV_VARS")
        constants = sorted((n for n in used if n.isupper()), key=str.lower)
        # isort's order, as ruff checks it: constants, then the rest, both ignoring case.
        return (*constants, *sorted((n for n in used if not n.isupper()), key=str.lower))

    def example_imports(self, names: ClassNames) -> str:
        """What `examples.py` imports from the adapter."""
        return ", ".join(sorted((names.async_client, names.client, names.error)))

    @property
    def credentials_phrase(self) -> str:
        """The credential variables in prose: `A and B`."""
        return " and ".join(self.secret_env_vars)

    @property
    def example_args(self) -> str:
        """Arguments of the guide's example call: a path for the generic client."""
        return '"/"' if self.generic else self.example.example_args

    @property
    def script_example_args(self) -> str:
        """Arguments of the call in `examples.py`, whose generic path is `EXAMPLE_PATH`."""
        return "EXAMPLE_PATH" if self.generic else self.example.example_args

    @property
    def pagination_example(self) -> EndpointView | None:
        """The paginated endpoint `examples.py` walks, if any."""
        return next(iter(self.paginated), None)

    @property
    def _test_parsers(self) -> set[str]:
        """What the tests' typed results are parsed with: model classes, type adapters."""
        used = {e.typing.parser.partition(".")[0] for e in self.endpoints if e.typing.typed}
        body = self.body_model_probe
        return used | {body.typing.body_model} if body and body.typing.body_model else used

    @property
    def _header_names(self) -> set[str]:
        return {name.lower() for name, _ in self.headers}


def build_api_context(requirements: ApiRequirements, *, slug: str) -> dict[str, Any]:
    """Template variables for an API package: `api` (an `ApiContext`) and `class_names`.

    `requirements` must already be `resolved(slug)` so secret variable names are filled in.
    """
    _check_headers(requirements.headers)
    names = placed_method_names(requirements.endpoints)
    types = SchemaTypes(requirements.schemas, is_adapter_name)
    views = with_keys(
        sorted(
            (endpoint_view(e, i, names[i], types) for i, e in enumerate(requirements.endpoints)),
            key=lambda view: view.access,
        )
    )
    resources = resource_views(views)
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
        idempotency_header=requirements.idempotency_key_header,
        rate_limit_signals=tuple(
            (signal.status, signal.header.lower(), signal.value)
            for signal in requirements.rate_limit_signals
        ),
        endpoints=tuple(views),
        generic=not views,
        shortcuts=() if views else shortcut_views(),
        env_prefix=package_names(slug)["env_prefix"],
        models=types.models,
        uses_datetime=types.uses_datetime,
        uses_literal=types.uses_literal,
        resources=resources,
    )
    class_names = partial(ClassNames.for_prefix, resources=[r.name for r in resources])
    return {"api": api, "class_names": class_names}


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
        burst=max(1.0, requests),
    )


def _check_headers(headers: dict[str, str]) -> None:
    for name, value in sorted(headers.items()):
        if not (value.isascii() and value.isprintable()):
            raise spec_error(
                f"the value of header {name!r} must be printable ASCII (no line breaks, "
                "tabs or control characters)",
                f"requirements.headers.{name}",
            )

"""Pydantic models of the REST API pattern's `requirements:`.

The seed guide's flat keys (`auth_type`, a bare `rate_limit: 5000`, endpoints with only
`method` and `path`) are accepted and normalised into the explicit forms here. A validator
that rejects one item of a list puts the item's index in the error context as `item_index`,
so the loader can point at that item rather than at the whole list.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import unquote, urlsplit

from pydantic import (
    AfterValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from agentflow.patterns import StrictModel
from agentflow.patterns.api.operations import PATH_PARAM, Endpoint
from agentflow.patterns.schemas import MAX_SCHEMAS, Schema, check_schema_name

__all__ = [
    "MAX_ENDPOINTS",
    "PERIOD_SECONDS",
    "ApiRequirements",
    "AuthConfig",
    "CircuitBreakerConfig",
    "RateLimit",
    "RateLimitSignal",
    "RetryConfig",
]

_ESCAPE = re.compile(r"%.{0,2}")
_HEX_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_SEPARATOR_ESCAPES = frozenset({"%2F", "%5C"})

PERIOD_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
MAX_ENDPOINTS = 2000
"""Endpoints one package may have: each is a method on two clients plus its tests."""
_SPLIT = "split the API into several requirements files, one package each"
_ENV_VAR = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_RATE_TEXT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(second|minute|hour|day|s|m|h|d)\s*$")
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


class RateLimit(StrictModel):
    """A client-side rate limit: `requests` per `per`.

    A bare number (`rate_limit: 5000`) means requests **per second**; write `5000/hour` or
    `{requests: 5000, per: hour}` for another period.
    """

    requests: StrictFloat = Field(gt=0, le=1_000_000)
    per: Literal["second", "minute", "hour", "day"] = "second"

    @model_validator(mode="before")
    @classmethod
    def _accept_short_forms(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("must be a number, 'N/period' or {requests, per}")
        if isinstance(data, int | float):
            return {"requests": data}
        if isinstance(data, str):
            match = _RATE_TEXT.match(data)
            if not match:
                raise ValueError(
                    f"{data!r} is not a rate; write a number (per second), "
                    "'5000/hour' or {requests: 5000, per: hour}"
                )
            unit = {"s": "second", "m": "minute", "h": "hour", "d": "day"}.get(match[2], match[2])
            return {"requests": float(match[1]), "per": unit}
        return data

    @property
    def period_seconds(self) -> int:
        """Length of the period in seconds."""
        return PERIOD_SECONDS[self.per]

    @property
    def per_second(self) -> float:
        """The sustained rate in requests per second (the token bucket's refill rate)."""
        return self.requests / self.period_seconds


class AuthConfig(StrictModel):
    """How the client authenticates; secrets are read from environment variables only.

    Unset variable names default from the service slug (see `resolved`).
    """

    type: Literal["none", "bearer", "api_key", "basic"] = "none"
    env_var: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    location: Literal["header", "query"] = "header"
    name: str | None = None

    @field_validator("env_var", "username_env", "password_env")
    @classmethod
    def _env_var_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_VAR.match(value):
            raise ValueError(f"{value!r} is not an environment variable name; use A-Z, 0-9 and _")
        return value

    @field_validator("name")
    @classmethod
    def _header_or_param_name(cls, value: str | None) -> str | None:
        if value is not None and not _TOKEN.match(value):
            raise ValueError(f"{value!r} is not a valid header or query parameter name")
        return value

    @model_validator(mode="after")
    def _settings_apply_to_type(self) -> AuthConfig:
        """A setting the chosen type ignores is a mistake, like an unknown key."""
        for setting in sorted(self.model_fields_set):
            allowed = _AUTH_SETTINGS.get(setting)
            if allowed is not None and self.type not in allowed:
                raise ValueError(
                    f"`{setting}` does not apply to auth type {self.type!r}; "
                    f"it is used by: {', '.join(sorted(allowed))}"
                )
        return self

    def resolved(self, slug: str) -> AuthConfig:
        """This config with every defaulted name filled in for the service `slug`."""
        prefix = slug.upper()
        updates: dict[str, str] = {}
        if self.type == "bearer":
            updates["env_var"] = self.env_var or f"{prefix}_TOKEN"
        elif self.type == "api_key":
            updates["env_var"] = self.env_var or f"{prefix}_API_KEY"
            default_name = "X-API-Key" if self.location == "header" else "api_key"
            updates["name"] = self.name or default_name
        elif self.type == "basic":
            updates["username_env"] = self.username_env or f"{prefix}_USERNAME"
            updates["password_env"] = self.password_env or f"{prefix}_PASSWORD"
        return self.model_copy(update=updates)


_AUTH_SETTINGS: dict[str, frozenset[str]] = {
    "env_var": frozenset({"bearer", "api_key"}),
    "username_env": frozenset({"basic"}),
    "password_env": frozenset({"basic"}),
    "location": frozenset({"api_key"}),
    "name": frozenset({"api_key"}),
}


class RetryConfig(StrictModel):
    """Retry policy: exponential backoff with full jitter, honouring `Retry-After`."""

    max_attempts: StrictInt = Field(default=3, ge=1, le=10)
    backoff_base: StrictFloat = Field(default=0.5, gt=0, le=60)
    backoff_max: StrictFloat = Field(default=30.0, gt=0, le=600)
    retry_after_max: StrictFloat = Field(default=60.0, ge=0, le=3600)
    retry_non_idempotent: StrictBool = False

    @model_validator(mode="after")
    def _base_within_max(self) -> RetryConfig:
        if self.backoff_base > self.backoff_max:
            raise ValueError(
                f"backoff_base ({self.backoff_base:g}) must not exceed "
                f"backoff_max ({self.backoff_max:g})"
            )
        return self


class CircuitBreakerConfig(StrictModel):
    """Open the circuit after `failure_threshold` consecutive failures, for `reset_timeout` s."""

    failure_threshold: StrictInt = Field(default=5, ge=1, le=1000)
    reset_timeout: StrictFloat = Field(default=30.0, gt=0, le=3600)


def _header_name(value: str) -> str:
    if not _TOKEN.match(value):
        raise ValueError(f"{value!r} is not a valid HTTP header name")
    return value


HeaderName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_header_name)]


class RateLimitSignal(StrictModel):
    """A response the service sends when a rate limit is hit, besides 429: `status` with
    `header` present (and equal to `value`, when given). GitHub answers 403 with
    `x-ratelimit-remaining: 0`."""

    status: StrictInt = Field(ge=400, le=599)
    header: HeaderName
    value: str | None = Field(default=None, max_length=200)


class ApiRequirements(StrictModel):
    """Requirements of the REST API pattern.

    `endpoints` may be left out: the package then has a generic client (`request`, `get`,
    `post`, …) for any path below `base_url`, and typed methods can be added later.
    """

    # Flat keys the seed guide uses, accepted besides the fields (`auth_type` → `auth.type`).
    SHORTHAND_KEYS: ClassVar[tuple[str, ...]] = ("auth_type",)

    base_url: str = Field(max_length=2000)
    auth: AuthConfig = AuthConfig()
    rate_limit: RateLimit | None = None
    timeout: StrictFloat = Field(default=30.0, gt=0, le=600)
    retry: RetryConfig = RetryConfig()
    circuit_breaker: CircuitBreakerConfig = CircuitBreakerConfig()
    headers: dict[str, str] = Field(default_factory=dict)
    idempotency_key_header: HeaderName | None = None
    rate_limit_signals: tuple[RateLimitSignal, ...] = Field(default=(), max_length=20)
    schemas: dict[str, Schema] = Field(default_factory=dict, max_length=MAX_SCHEMAS)
    endpoints: tuple[Endpoint, ...] = Field(default=(), max_length=MAX_ENDPOINTS)

    @model_validator(mode="before")
    @classmethod
    def _accept_flat_auth_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and "auth_type" in data:
            if "auth" in data:
                raise ValueError("give either `auth_type` or `auth`, not both")
            data = dict(data)
            data["auth"] = {"type": data.pop("auth_type")}
        return data

    @field_validator("base_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        return _checked_base_url(value)

    @field_validator("headers")
    @classmethod
    def _header_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            _header_name(name)
            if name.lower() == "authorization":
                raise ValueError("set credentials with `auth`, never as a static header")
            if any(not ch.isprintable() for ch in text):
                raise ValueError(f"the value of header {name!r} must be a single printable line")
        return value

    @field_validator("endpoints", mode="before")
    @classmethod
    def _within_endpoint_limit(cls, value: Any) -> Any:
        """Refuse too many endpoints by name, before validating each of them."""
        if isinstance(value, list | tuple) and len(value) > MAX_ENDPOINTS:
            raise PydanticCustomError(
                "too_many_endpoints",
                "at most {limit} endpoints are allowed in one requirements file, got {count}",
                {"limit": f"{MAX_ENDPOINTS:,}", "count": f"{len(value):,}", "hint": _SPLIT},
            )
        return value

    @field_validator("endpoints")
    @classmethod
    def _unique_endpoints(cls, endpoints: tuple[Endpoint, ...]) -> tuple[Endpoint, ...]:
        """Two endpoints with one route, or one name in one place (the client or a
        resource), would generate clashing methods."""
        routes: dict[tuple[str, str], int] = {}
        names: dict[tuple[str | None, str], int] = {}
        for index, endpoint in enumerate(endpoints):
            route = (endpoint.method, PATH_PARAM.sub("{}", endpoint.path))
            first = routes.setdefault(route, index)
            if first != index:
                raise _duplicate(f"endpoint {endpoint.method} {endpoint.path}", index, first)
            if endpoint.name:
                first = names.setdefault((endpoint.resource, endpoint.name), index)
                if first != index:
                    where = f" in resource {endpoint.resource!r}" if endpoint.resource else ""
                    raise _duplicate(f"endpoint name {endpoint.name!r}{where}", index, first)
        return endpoints

    @field_validator("schemas")
    @classmethod
    def _schema_names(cls, value: dict[str, Schema]) -> dict[str, Schema]:
        for name in value:
            check_schema_name(name)
        return value

    @model_validator(mode="after")
    def _references_resolve(self) -> ApiRequirements:
        """Every `$ref` names a schema of `schemas:`."""
        for where, schema in self.named_schemas():
            for name in schema.refs():
                if name not in self.schemas:
                    declared = ", ".join(sorted(self.schemas)) or "none"
                    raise ValueError(
                        f"{where} refers to schema {name!r}, which `schemas:` does not "
                        f"declare (declared: {declared})"
                    )
        return self

    def named_schemas(self) -> list[tuple[str, Schema]]:
        """Every top-level schema with where it is declared: `schemas`, then endpoints'."""
        found = [(f"schemas.{name}", schema) for name, schema in self.schemas.items()]
        for index, endpoint in enumerate(self.endpoints):
            if endpoint.response is not None:
                found.append((f"endpoints[{index}].response", endpoint.response))
            if endpoint.body is not None and endpoint.body.schema_ is not None:
                found.append((f"endpoints[{index}].body.schema", endpoint.body.schema_))
        return found

    def resolved(self, slug: str) -> ApiRequirements:
        """These requirements with every defaulted name filled in for `slug`."""
        return self.model_copy(update={"auth": self.auth.resolved(slug)})


def _checked_base_url(value: str) -> str:
    """`value` without a trailing `/`, if every request URL built on it means what it says.

    Dot segments, escaped `/`, `\\` or control characters, and a `?` or `#` would be resolved,
    split or cut differently by the client than by the reader of the requirements.
    """
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{value!r} is not an absolute http(s) URL")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValueError(f"{value!r} must not contain whitespace or control characters")
    if "?" in value or "#" in value:
        raise ValueError(f"{value!r} must not contain a query or a fragment ('?' or '#')")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials; configure `auth` instead")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port") from None
    problem = _path_problem(parts.path)
    if problem:
        raise ValueError(f"{value!r}: the path {problem}; write the path the service expects")
    return value.rstrip("/")


def _path_problem(path: str) -> str | None:
    """Why a base URL's path is ambiguous, or None."""
    for escape in _ESCAPE.findall(path):
        if not _HEX_ESCAPE.fullmatch(escape):
            return f"has an invalid escape {escape!r} (use %XX with two hex digits)"
        if int(escape[1:], 16) < 0x20 or escape.upper() == "%7F":
            return f"has an escaped control character {escape!r}"
        if escape.upper() in _SEPARATOR_ESCAPES:
            return f"has an escaped separator {escape!r}, which servers decode differently"
    segments = [unquote(segment) for segment in path.split("/")]
    if any(segment in {".", ".."} for segment in segments):
        return "has a '.' or '..' segment"
    return None


def _duplicate(what: str, index: int, first: int) -> PydanticCustomError:
    """An error located at the repeating endpoint (`item_index`), naming the first one."""
    return PydanticCustomError(
        "duplicate_item",
        "duplicate {what}; endpoints[{first}] already declares it",
        {"what": what, "first": first, "item_index": index},
    )

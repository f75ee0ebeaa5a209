"""One operation of an API's `requirements.endpoints`: method, path, query, body, paging.

Becomes one typed method on each generated client (see `endpoints` for its view).
"""

from __future__ import annotations

import keyword
import re
from typing import Any, Literal, get_args

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    field_validator,
    model_serializer,
    model_validator,
)

from agentflow.patterns import StrictModel, identifier
from agentflow.patterns.schemas import Schema

__all__ = [
    "IDEMPOTENT_METHODS",
    "Body",
    "BodyEncoding",
    "PATH_PARAM",
    "RESOURCE_NAME",
    "Endpoint",
    "HttpMethod",
    "Pagination",
    "QueryParam",
]

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})
PATH_PARAM = re.compile(r"\{([^{}]*)\}")
RESOURCE_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
"""A resource name: lower snake case, a letter first, no doubled or trailing `_`."""


BodyEncoding = Literal["json", "form", "multipart"]
"""How a body travels: JSON, `application/x-www-form-urlencoded`, or `multipart/form-data`."""
QueryType = Literal["str", "int", "float", "bool"]
_QUERY_TYPES = frozenset(get_args(QueryType))


class QueryParam(StrictModel):
    """A query parameter of an endpoint; a bare string is an optional `str` parameter and
    `name: type` (`per_page: int`) an optional one of that type."""

    name: str = Field(min_length=1, max_length=100)
    type: QueryType = "str"
    required: StrictBool = False
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _accept_short_forms(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"name": data}
        if isinstance(data, dict) and len(data) == 1:
            ((name, kind),) = data.items()
            if name not in cls.model_fields and isinstance(kind, str):
                if kind not in _QUERY_TYPES:
                    types = ", ".join(sorted(_QUERY_TYPES))
                    raise ValueError(f"{name}: {kind!r} is not a query type; use one of {types}")
                return {"name": name, "type": kind}
        return data


class Pagination(StrictModel):
    """How an endpoint pages through results; a bare string names the style.

    - `link`: follow the `rel="next"` URL of the `Link` header (GitHub).
    - `cursor`: send `cursor_param`, read the next cursor from the JSON field `next_field`.
    - `page`: send `page_param` = 1, 2, … until a page has no items.
    - `has_more`: while the JSON field `has_more_field` is true, send the `id_field` of the
      last item as `cursor_param` (Stripe: `has_more`, `starting_after=<last id>`).
    `items_field` names the JSON field holding the items (absent: the body is the list).
    """

    style: Literal["link", "cursor", "page", "has_more"]
    cursor_param: str = "cursor"
    next_field: str = "next_cursor"
    page_param: str = "page"
    has_more_field: str = "has_more"
    id_field: str = "id"
    items_field: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_style(cls, data: Any) -> Any:
        """A bare style names it; `has_more` pages with `starting_after` unless told."""
        data = {"style": data} if isinstance(data, str) else data
        if isinstance(data, dict) and data.get("style") == "has_more":
            data = {"cursor_param": "starting_after", **data}
        return data


class Body(StrictModel):
    """What an endpoint sends: how it is encoded and, optionally, its schema.

    `body: true` is a JSON body, `body: form` a form; with a `schema` the method also
    accepts the body as the model generated from it.
    """

    encoding: BodyEncoding = "json"
    schema_: Schema | None = Field(default=None, alias="schema")

    @model_validator(mode="before")
    @classmethod
    def _accept_short_forms(cls, data: Any) -> Any:
        return {"encoding": data} if isinstance(data, str) else data


class Endpoint(StrictModel):
    """One operation of the API; becomes one typed method on the generated clients.

    With `resource` (`issues`) the method lives on the clients' resource of that name,
    `client.issues.list(...)`, as in openai-python; without, on the clients themselves.
    """

    method: HttpMethod
    path: str = Field(min_length=1, max_length=2000)
    name: str | None = Field(default=None, max_length=100)
    description: str = Field(default="", max_length=2000)
    query: tuple[QueryParam, ...] = ()
    body: Body | None = None
    response: Schema | None = None
    pagination: Pagination | None = None
    retry: StrictBool | None = None
    resource: str | None = Field(default=None, max_length=60)

    @field_validator("method", mode="before")
    @classmethod
    def _uppercase_method(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("body", mode="before")
    @classmethod
    def _body_short_forms(cls, value: Any) -> Any:
        """`body: true` is a JSON body, `false` none."""
        if isinstance(value, bool):
            return "json" if value else None
        return value

    @field_validator("resource")
    @classmethod
    def _resource_identifier(cls, value: str | None) -> str | None:
        """The resource becomes a client attribute: a plain lower snake case name."""
        if value is None:
            return None
        if not RESOURCE_NAME.fullmatch(value) or keyword.iskeyword(value):
            example = identifier(value, fallback="items").strip("_")
            if not RESOURCE_NAME.fullmatch(example) or keyword.iskeyword(example):
                example = "issues"
            raise ValueError(
                f"{value!r} is not a resource name: write it in lower snake case, a letter "
                f"first, letters, digits and single '_' (e.g. {example!r}), and not a "
                "Python keyword; it becomes the client attribute `client.<resource>`"
            )
        return value

    @field_validator("path")
    @classmethod
    def _well_formed_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"{value!r} must start with '/'")
        if any(ch.isspace() or not ch.isprintable() or ch in "?#" for ch in value):
            raise ValueError(
                f"{value!r} must not contain whitespace, '?' or '#'; declare query parameters "
                "under `query:`"
            )
        stripped = PATH_PARAM.sub("", value)
        if "{" in stripped or "}" in stripped:
            raise ValueError(f"{value!r} has unbalanced '{{' or '}}'")
        names = PATH_PARAM.findall(value)
        for name in names:
            if not name.strip():
                raise ValueError(f"{value!r} has an empty path parameter '{{}}'")
        if len(set(names)) != len(names):
            raise ValueError(f"{value!r} names a path parameter twice")
        return value

    @model_validator(mode="after")
    def _no_body_on_get(self) -> Endpoint:
        if self.body and self.method in {"GET", "HEAD"}:
            raise ValueError(f"{self.method} endpoints cannot send a body")
        if self.pagination and self.encoding not in (None, "json"):
            raise ValueError("a paginated endpoint sends a JSON body or none, not a form")
        return self

    @model_serializer(mode="wrap")
    def _resource_only_when_set(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Leave out an unset `resource`: requirements without resources are recorded (in
        metadata.json) exactly as before resources existed."""
        data = handler(self)
        if self.resource is None and isinstance(data, dict):
            data.pop("resource", None)
        return data

    @property
    def path_params(self) -> tuple[str, ...]:
        """Path parameter names in the order they appear in `path`."""
        return tuple(PATH_PARAM.findall(self.path))

    @property
    def encoding(self) -> BodyEncoding | None:
        """How the body travels; None without one."""
        return self.body.encoding if self.body else None

    @property
    def retryable(self) -> bool:
        """Whether failed calls are retried: idempotent methods, unless overridden."""
        return self.method in IDEMPOTENT_METHODS if self.retry is None else self.retry

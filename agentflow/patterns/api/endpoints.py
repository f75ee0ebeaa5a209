"""The `EndpointView`s of an API package, built from the requirements.

Each endpoint gets sanitized, unique parameter names (mapped back to the original
placeholders and query keys) and the sample values the generated tests send. Without
endpoints the clients get a generic `request` method instead, and its `get`/`post`/…
shortcuts are described as `EndpointView`s too, so the generated tests exercise them
exactly like endpoint methods. Endpoints that cannot be rendered raise `SpecError`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from agentflow.patterns import unique_identifiers
from agentflow.patterns.api.naming import RESERVED_PARAMS, spec_error
from agentflow.patterns.api.operations import IDEMPOTENT_METHODS, Endpoint, QueryParam
from agentflow.patterns.api.paging import PaginationView
from agentflow.patterns.api.typed import EndpointTyping, endpoint_typing
from agentflow.patterns.api.views import EndpointView, ParamView
from agentflow.patterns.schemas import SchemaTypes

__all__ = ["endpoint_view", "shortcut_views"]

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


def shortcut_views() -> tuple[EndpointView, ...]:
    """The generic client's `get`/`post`/… shortcuts, sorted by name."""
    return tuple(_shortcut_view(verb) for verb in _GENERIC_VERBS)


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
        body="json" if verb in _BODY_VERBS else None,
        retry=None,
        retryable=verb in IDEMPOTENT_METHODS,
        pagination=None,
        sample_path=_GENERIC_SAMPLE_PATH,
    )


def endpoint_view(
    endpoint: Endpoint, index: int, method_name: str, types: SchemaTypes
) -> EndpointView:
    """The view of `endpoint`, the `index`-th of the requirements, named `method_name`;
    `types` gives its declared schemas their Python types."""
    field = f"requirements.endpoints[{index}]"
    qualified = f"{endpoint.resource}_{method_name}" if endpoint.resource else method_name
    typing = endpoint_typing(endpoint, qualified, types, field)
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
        body=endpoint.encoding,
        retry=endpoint.retry,
        retryable=endpoint.retryable,
        pagination=_pagination_view(endpoint, method_name, field, typing),
        sample_path=_sample_path(endpoint.path, {p.name: p.sample for p in path_params}),
        typing=typing,
        resource=endpoint.resource,
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


def _pagination_view(
    endpoint: Endpoint, method_name: str, field: str, typing: EndpointTyping
) -> PaginationView | None:
    page = endpoint.pagination
    if page is None:
        return None
    if page.style in ("cursor", "has_more") and page.items_field is None:
        raise spec_error(
            f"{page.style} pagination needs `items_field`: the response must be an object "
            "holding the items and the next cursor",
            f"{field}.pagination.items_field",
            "for example items_field: data",
        )
    return PaginationView(
        style=page.style,
        method_name=method_name,
        cursor_param=page.cursor_param,
        next_field=page.next_field,
        page_param=page.page_param,
        has_more_field=page.has_more_field,
        id_field=page.id_field,
        items_field=page.items_field,
        item_sample=typing.sample,
        item_parser=typing.parser,
        item_id_is_number=typing.item_id_is_number,
    )


def _sample_path(path: str, samples: dict[str, str]) -> str:
    """The decoded path a test request with `samples` reaches (static parts unquoted)."""
    pieces = _PLACEHOLDER.split(path)
    return "".join(samples[p] if i % 2 else unquote(p) for i, p in enumerate(pieces))

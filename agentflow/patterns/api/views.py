"""Per-endpoint views of the API templates: names, argument lists and samples, ready to print.

An `EndpointView` is one client method as the templates need it (`endpoints` builds them):
a unique method name, sanitized parameter names mapped back to the original placeholders
and query keys, and the sample values the generated tests send.

Templates never assemble a list, a join or a condition: the parameter lists, request
arguments, docstring parts and test arguments of a method are properties here, built by
`fragments` from sanitized identifiers, fixed code and `pyrepr`-escaped values. The
user's own texts (paths, descriptions, query keys) also stay raw on the views, for templates
to print through their escaping filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentflow.patterns import pyrepr
from agentflow.patterns.api.fragments import (
    BODIES,
    EXTRA_BODY_DOC,
    EXTRA_BODY_PARAM,
    NO_BODY,
    OPTION_DOCS,
    OPTION_PARAMS,
    SAMPLE_BODY,
    BodyForm,
    arguments,
    mapping,
)
from agentflow.patterns.api.paging import PaginationView
from agentflow.patterns.api.typed import UNTYPED, EndpointTyping

__all__ = ["EndpointView", "ParamView"]


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
class EndpointView:
    """One endpoint as the templates need it.

    `description` may be empty; `body` is how the body travels (`json`, `form`,
    `multipart`; None without one); `retry` is the spec's explicit override (None: by
    method). `resource` is the client attribute whose object has the method (None: the
    client itself), `key` a name for it unique in the whole client (`issues_list`;
    empty: the method name is); `typing` what the declared schemas make of the method's
    value and body.
    """

    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    path_params: tuple[ParamView, ...]
    query_params: tuple[ParamView, ...]
    body: str | None
    retry: bool | None
    retryable: bool
    pagination: PaginationView | None
    sample_path: str
    resource: str | None = None
    key: str = ""
    typing: EndpointTyping = UNTYPED

    @property
    def access(self) -> str:
        """How a client reaches the method: `issues.list`, or `get_user` on the client."""
        return f"{self.resource}.{self.method_name}" if self.resource else self.method_name

    @property
    def operation(self) -> str:
        """The name metrics and errors give the method's calls: its `access`."""
        return self.access

    @property
    def test_name(self) -> str:
        """The method's name in the names of its tests, unique in the package."""
        return self.key or self.method_name

    @property
    def returns(self) -> str:
        """The method's return annotation: its value's type, or a page of its items'."""
        return self.typing.returns

    @property
    def ok_value(self) -> str:
        """A value (an item, for pages) the method returns, as JSON code: the sample of
        its schema, else `{"ok": True}`."""
        return '{"ok": True}' if self.typing.sample is None else pyrepr(self.typing.sample)

    @property
    def return_doc(self) -> str:
        """What the guide says the method returns: `Repository`, `SyncPage[Issue]`."""
        return f"SyncPage[{self.returns}]" if self.pagination else self.returns

    @property
    def returns_model(self) -> bool:
        """Whether the method returns a model (each item does, for pages)."""
        return self.typing.parser.endswith(".model_validate")

    @property
    def mismatch_body(self) -> str:
        """A reply body whose value (or item) the method's schema refuses, as code."""
        objects = self.returns_model or self.returns.startswith("dict[")
        value = "[1]" if objects else '{"unexpected": [1]}'
        return self.pagination.last_page_of(value) if self.pagination else value

    @property
    def extended_body(self) -> str:
        """`ok_body` whose model holds the undeclared field `UNDECLARED`, as code."""
        value = f"{{**{self.ok_value}, **UNDECLARED}}"
        return self.pagination.last_page_of(value) if self.pagination else value

    @property
    def ok_result(self) -> str:
        """What the method gives for `ok_value`, as code: the parsed sample when typed."""
        if not self.typing.typed:
            return self.ok_value
        return f"{self.typing.parser}({self.ok_value})"

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

    @property
    def signature(self) -> str:
        """The method's parameters: self, path values (positional), then keyword-only query
        values, the JSON body (required when declared) and the per-call options."""
        query = (
            f"{p.python_name}: {p.type}{_default(p, ' | None = None')}" for p in self.query_params
        )
        return arguments(
            "self",
            *(f"{p.python_name}: {p.type}" for p in self.path_params),
            "*",
            *query,
            *self._body_params,
            *OPTION_PARAMS,
            EXTRA_BODY_PARAM if self.body else "",
        )

    @property
    def doc_params(self) -> str:
        """The parameters as the guide shows them: `owner, *, state=None, json`."""
        return arguments(
            *(p.python_name for p in self.path_params),
            "*" if self.query_params or self.body else "",
            *(f"{p.python_name}{_default(p, '=None')}" for p in self.query_params),
            *(name for name, _ in self._body.docs),
        )

    @property
    def call_args(self) -> str:
        """What the method passes to the client's `_call`: method, URL, request options."""
        return arguments(pyrepr(self.http_method), self._url, self._request_kwargs)

    @property
    def ok_body(self) -> str:
        """A reply body whose value is `ok_value`: the page holding it when paginated."""
        return self.pagination.last_page_of(self.ok_value) if self.pagination else self.ok_value

    @property
    def result_access(self) -> str:
        """What follows a call in tests to get the value of `ok_body` back: a page's item."""
        return ".items[0]" if self.pagination else ""

    @property
    def await_open(self) -> str:
        """What opens an awaited call in tests: a parenthesis when `result_access` follows."""
        return "(" if self.pagination else ""

    @property
    def await_close(self) -> str:
        """What closes an awaited call in tests: `await_open`'s parenthesis, `result_access`."""
        return f"){self.result_access}" if self.pagination else ""

    @property
    def page_args(self) -> str:
        """What a paginated method passes to the client's page walker."""
        assert self.pagination is not None
        return arguments(self.call_args, self.pagination.kwargs)

    @property
    def doc_lead(self) -> str:
        """The first line of the method's docstring: the description, else the request."""
        return self.description or f"Send {self.summary}."

    @property
    def doc_shows_summary(self) -> bool:
        """Whether the docstring names the request under its lead (it is the lead otherwise)."""
        return bool(self.description)

    @property
    def doc_args(self) -> tuple[tuple[str, str], ...]:
        """The docstring's `Args:` entries: (Python name, description), then the options."""
        options = OPTION_DOCS + (EXTRA_BODY_DOC if self.body else ())
        params = tuple((p.python_name, p.description) for p in self.params)
        return params + self._body.docs + options

    @property
    def sample_args(self) -> str:
        """Arguments a test passes: every path and query sample, and a JSON body."""
        return self._samples(all_query=True)

    @property
    def required_sample_args(self) -> str:
        """Arguments a test passes: path samples, required query samples, a JSON body."""
        return self._samples(all_query=False)

    @property
    def sample_lead(self) -> str:
        """`required_sample_args` ready to take more arguments: followed by `, ` if any."""
        return _leading(self.required_sample_args)

    @property
    def traversal_args(self) -> str:
        """`required_sample_args` with `..` as the first path value."""
        return self._samples(all_query=False, first_path='".."')

    @property
    def empty_segment_args(self) -> str:
        """`required_sample_args` with an empty first path value."""
        return self._samples(all_query=False, first_path='""')

    @property
    def sample_query(self) -> dict[str, str]:
        """The query string `sample_args` puts on the wire."""
        return {**{p.name: p.wire_sample for p in self.query_params}, **self._first_page}

    @property
    def required_sample_query(self) -> dict[str, str]:
        """The query string `required_sample_args` puts on the wire."""
        return {**{p.name: p.wire_sample for p in self.required_query}, **self._first_page}

    @property
    def _first_page(self) -> dict[str, str]:
        """What asking for the first page adds to the query: page-number paging's `1`."""
        page = self.pagination
        return {page.page_param: "1"} if page is not None and page.style == "page" else {}

    @property
    def sample_body(self) -> str:
        """The JSON body the sample arguments send, as code (`None` without a body)."""
        return SAMPLE_BODY if self.body else "None"

    @property
    def path_samples(self) -> str:
        """The path samples as arguments: what must reach the wire percent-encoded."""
        return arguments(*(pyrepr(p.sample) for p in self.path_params))

    @property
    def example_args(self) -> str:
        """Arguments of the examples' call: placeholder names as path values, the
        required query samples and a JSON body."""
        return arguments(
            *(pyrepr(p.name) for p in self.path_params),
            *(f"{p.python_name}={pyrepr(p.sample)}" for p in self.required_query),
            *self._body.samples,
        )

    @property
    def example_lead(self) -> str:
        """`example_args` ready to take more arguments: followed by `, ` if any."""
        return _leading(self.example_args)

    @property
    def _url(self) -> str:
        """The URL expression: the path, its parameters percent-encoded by `_path`."""
        if not self.path_params:
            return pyrepr(self.path)
        values = mapping((p.name, p.python_name) for p in self.path_params)
        return f"_path({pyrepr(self.path)}, {values})"

    @property
    def _request_kwargs(self) -> str:
        query = mapping((p.name, p.python_name) for p in self.query_params)
        return arguments(
            f"operation={pyrepr(self.operation)}",
            f"params=_query({query}, extra_query)",
            self._body.request,
            f"options=_CallOptions({self._options})",
            f"parse={self.typing.parser}",
        )

    @property
    def _options(self) -> str:
        """The `_CallOptions` arguments: the per-call options, the declared retry choice."""
        retry = "" if self.retry is None else f"retry={pyrepr(self.retry)}"
        return arguments("extra_headers", "timeout", "max_retries", retry)

    @property
    def model_body_args(self) -> str:
        """`required_sample_args` with the body given as its model."""
        return self._samples(all_query=False, body=self.body_model_sample)

    @property
    def mapping_body_args(self) -> str:
        """`required_sample_args` with the body model's sample given as a mapping."""
        return self._samples(all_query=False, body=self.body_model_sample_json)

    def _samples(
        self, *, all_query: bool, first_path: str | None = None, body: str | None = None
    ) -> str:
        paths = [pyrepr(p.sample) for p in self.path_params]
        if paths and first_path is not None:
            paths[0] = first_path
        query = self.query_params if all_query else self.required_query
        bodies = list(self._body.samples)
        if body is not None:
            bodies[0] = f"{bodies[0].partition('=')[0]}={body}"
        return arguments(
            *paths,
            *(f"{p.python_name}={pyrepr(p.sample)}" for p in query),
            *bodies,
        )

    @property
    def body_model_sample(self) -> str:
        """A body given as its model, as code (empty without a body model)."""
        model = self.typing.body_model
        return f"{model}.model_validate({pyrepr(self.typing.body_sample)})" if model else ""

    @property
    def body_model_sample_json(self) -> str:
        """The JSON `body_model_sample` puts on the wire, as code."""
        return pyrepr(self.typing.body_sample)

    @property
    def _body_params(self) -> tuple[str, ...]:
        """The body's parameters; the first also takes the body's model, if declared."""
        params = self._body.params
        model = self.typing.body_model
        if not model or not params:
            return params
        name, _, kind = params[0].partition(": ")
        return (f"{name}: {model} | {kind}", *params[1:])

    @property
    def _body(self) -> BodyForm:
        return BODIES[self.body] if self.body else NO_BODY


def _leading(args: str) -> str:
    """An argument list ready to take more arguments: followed by `, ` unless empty."""
    return f"{args}, " if args else ""


def _default(param: ParamView, default: str) -> str:
    return "" if param.required else default

"""The ready values API templates print: argument lists, samples, imports, conditions.

Templates no longer assemble these, so their exact text is checked here; hostile
placeholder and query names must come out as escaped literals inside valid Python.
"""

from __future__ import annotations

import ast
from typing import Any

import pytest
from pydantic import ValidationError

from agentflow.patterns import SpecError
from agentflow.patterns.api.context import ApiContext, build_api_context
from agentflow.patterns.api.flavors import ASYNC_CLIENT, SYNC_CLIENT
from agentflow.patterns.api.naming import ClassNames
from agentflow.patterns.api.requirements import ApiRequirements

ISSUES = {
    "method": "GET",
    "path": "/repos/{owner}/{repo}/issues",
    "query": ["state", {"name": "per_page", "type": "int", "required": True}],
    "pagination": {"style": "cursor", "items_field": "data", "next_field": "next"},
}
CREATE = {"method": "POST", "path": "/repos/{owner}/issues", "body": True, "retry": False}
HOSTILE_NAME = 'x"); __import__("os").system("touch CANARY"); ("'
PATH_NAME = "x')+__import__('os').getcwd()+('\\"


def api_for(*endpoints: dict[str, Any], **extra: Any) -> ApiContext:
    data = {"base_url": "https://api.example.test", "endpoints": list(endpoints), **extra}
    requirements = ApiRequirements.model_validate(data).resolved("demo")
    api = build_api_context(requirements, slug="demo")["api"]
    assert isinstance(api, ApiContext)
    return api


def test_method_parameters_and_request_arguments() -> None:
    create, issues = api_for(ISSUES, CREATE).endpoints
    options = (
        "extra_headers: Mapping[str, str] | None = None, "
        "extra_query: Mapping[str, Any] | None = None, "
        "timeout: float | None = None, max_retries: int | None = None"
    )
    assert issues.signature == (
        "self, owner: str | int, repo: str | int, *, state: str | None = None, per_page: int, "
        + options
    )
    assert issues.doc_params == "owner, repo, *, state=None, per_page"
    assert issues.call_args == (
        "'GET', _path('/repos/{owner}/{repo}/issues', {'owner': owner, 'repo': repo}), "
        "operation='list_issues', params=_query({'state': state, 'per_page': per_page}, "
        "extra_query), options=_CallOptions(extra_headers, timeout, max_retries), parse=_as_is"
    )
    assert issues.page_args == (
        f"{issues.call_args}, items_field='data', cursor_param='cursor', next_field='next'"
    )
    assert create.signature == (
        f"self, owner: str | int, *, json: Mapping[str, Any], {options}, "
        "extra_body: Mapping[str, Any] | None = None"
    )
    assert create.doc_params == "owner, *, json"
    assert create.call_args == (
        "'POST', _path('/repos/{owner}/issues', {'owner': owner}), "
        "operation='create_issue', params=_query({}, extra_query), "
        "json=_body(json, extra_body), "
        "options=_CallOptions(extra_headers, timeout, max_retries, retry=False), parse=_as_is"
    )


def test_query_types_may_be_written_in_short_form() -> None:
    (view,) = api_for(
        {"method": "GET", "path": "/items", "query": [{"per_page": "int"}, "q"]}
    ).endpoints
    assert [(p.python_name, p.type) for p in view.query_params] == [
        ("per_page", "int"),
        ("q", "str"),
    ]
    with pytest.raises(ValidationError, match="'integer' is not a query type; use one of bool"):
        api_for({"method": "GET", "path": "/items", "query": [{"per_page": "integer"}]})


def test_docstring_parts() -> None:
    create, issues = api_for({**ISSUES, "description": "List issues."}, CREATE).endpoints
    assert (issues.doc_lead, issues.doc_shows_summary) == ("List issues.", True)
    assert (create.doc_lead, create.doc_shows_summary) == (
        "Send POST /repos/{owner}/issues.",
        False,
    )
    assert [name for name, _ in create.doc_args] == [
        "owner",
        "json",
        "extra_headers",
        "extra_query",
        "timeout",
        "max_retries",
        "extra_body",
    ]


def test_test_and_example_arguments() -> None:
    create, issues = api_for(ISSUES, CREATE).endpoints
    assert issues.sample_args == "'v0 /0', 'v1 /1', state='a b&c', per_page=7"
    assert issues.required_sample_args == "'v0 /0', 'v1 /1', per_page=7"
    assert issues.traversal_args == "\"..\", 'v1 /1', per_page=7"
    assert issues.empty_segment_args == "\"\", 'v1 /1', per_page=7"
    assert issues.sample_query == {"state": "a b&c", "per_page": "7"}
    assert issues.required_sample_query == {"per_page": "7"}
    assert (issues.sample_body, create.sample_body) == ("None", '{"name": "example"}')
    assert issues.path_samples == "'v0 /0', 'v1 /1'"
    assert issues.example_args == "'owner', 'repo', per_page=7"
    assert create.example_args == '\'owner\', json={"name": "example"}'


def test_page_replies_follow_the_pagination_style() -> None:
    cursor = api_for(ISSUES).endpoints[0].pagination
    assert cursor is not None
    assert cursor.replies == (
        "respond(200, {'data': [1, 2], 'next': 'c2'}), respond(200, {'data': [3], 'next': None})"
    )
    page = api_for({"method": "GET", "path": "/p", "pagination": "page"}).endpoints[0].pagination
    assert page is not None
    assert page.replies == "respond(200, [1, 2]), respond(200, [3]), respond(200, [])"
    assert (page.reply_count, cursor.reply_count) == (3, 2)
    link = {"method": "GET", "path": "/l", "pagination": {"style": "link", "items_field": "it"}}
    link_view = api_for(link).endpoints[0].pagination
    assert link_view is not None
    assert link_view.replies.startswith("respond(200, {'it': [1, 2]}, NEXT_PAGE), ")
    assert link_view.one_item_page == "{'it': [1]}"


def literals_of(code: str) -> set[object]:
    """The constants in the argument list `code`, which must contain no call but `f`'s."""
    call = ast.parse(f"f({code})", mode="eval").body
    nested = [n for n in ast.walk(call) if isinstance(n, ast.Call) and n is not call]
    assert all(ast.unparse(n.func) in ("_path", "_query", "_body", "_CallOptions") for n in nested)
    return {n.value for n in ast.walk(call) if isinstance(n, ast.Constant)}


def test_user_names_reach_the_fragments_as_escaped_literals() -> None:
    endpoint = {
        "method": "POST",
        "path": "/items/{" + PATH_NAME + "}",
        "query": [{"name": HOSTILE_NAME, "required": True}],
        "pagination": {"style": "cursor", "items_field": HOSTILE_NAME, "next_field": "'"},
        "body": True,
    }
    view = api_for(endpoint).endpoints[0]
    assert {"/items/{" + PATH_NAME + "}", PATH_NAME, HOSTILE_NAME} <= literals_of(view.call_args)
    assert {HOSTILE_NAME, "'"} <= literals_of(view.page_args)
    assert PATH_NAME in literals_of(view.example_args)
    assert all(p.python_name.isidentifier() for p in view.params)


def test_live_condition_is_computed_once_for_every_template() -> None:
    basic = api_for({"method": "GET", "path": "/me"}, auth={"type": "basic"})
    assert basic.live_requirement == "DEMO_USERNAME, DEMO_PASSWORD"
    assert basic.live_condition == "DEMO_USERNAME, DEMO_PASSWORD are set"
    assert basic.live_skip_reason == (
        "set DEMO_USERNAME, DEMO_PASSWORD to run tests against the real service"
    )
    assert basic.credentials_phrase == "DEMO_USERNAME and DEMO_PASSWORD"
    bearer = api_for({"method": "GET", "path": "/me"}, auth_type="bearer")
    assert bearer.live_condition == "DEMO_TOKEN is set"
    open_api = api_for({"method": "GET", "path": "/me"})
    assert open_api.live_condition == "DEMO_LIVE_TESTS=1 is set"


def test_imports_and_exports_are_sorted_lists() -> None:
    names = ClassNames.for_prefix("Demo")
    api = api_for({"method": "GET", "path": "/me"}, auth_type="bearer")
    assert list(api.exports(names)) == sorted(api.exports(names))
    assert {"DemoClient", "ENV_PREFIX", "SECRET_ENV_VARS"} <= set(api.exports(names))
    imported = api.test_imports(names)
    assert imported[:2] == ("ENV_PREFIX", "SECRET_ENV_VARS")
    assert "MissingSecretError" in imported
    assert "MissingSecretError" not in api_for({"method": "GET", "path": "/me"}).test_imports(names)
    assert api.example_imports(names) == "AsyncDemoClient, DemoClient, DemoError"
    assert api.abc_imports == "Awaitable, Callable, Mapping"
    assert api_for(ISSUES).abc_imports == "AsyncIterator, Awaitable, Callable, Iterator, Mapping"
    assert api_for(ISSUES).urllib_imports == "quote, urlsplit"
    assert api_for().urllib_imports == "unquote, urlsplit"


def test_auth_scheme_and_default_headers() -> None:
    query_key = api_for(auth={"type": "api_key", "location": "query"})
    assert query_key.auth_scheme == "api_key_query"
    assert api_for(auth={"type": "api_key"}).auth_scheme == "api_key_header"
    assert api_for().auth_scheme == "none"
    custom = api_for(headers={"ACCEPT": "text/plain"})
    assert not custom.sends_default_accept and custom.sends_default_user_agent


def test_one_client_macro_writes_both_flavours() -> None:
    assert api_for().clients == (SYNC_CLIENT, ASYNC_CLIENT)
    names = ClassNames.for_prefix("Demo")
    assert SYNC_CLIENT.class_name(names) == "DemoClient"
    assert ASYNC_CLIENT.class_name(names) == "AsyncDemoClient"
    assert (SYNC_CLIENT.await_, ASYNC_CLIENT.await_) == ("", "await ")


@pytest.mark.parametrize(
    ("body", "encoding"),
    [(True, "json"), (False, None), ("form", "form"), ({"encoding": "multipart"}, "multipart")],
)
def test_bodies_say_how_they_travel(body: object, encoding: str | None) -> None:
    (view,) = api_for({"method": "POST", "path": "/items", "body": body}).endpoints
    assert view.body == encoding


def test_form_and_multipart_bodies_take_data_and_files() -> None:
    form, upload = api_for(
        {"method": "POST", "path": "/forms", "body": "form"},
        {"method": "POST", "path": "/uploads", "body": "multipart"},
    ).endpoints
    assert "data: Mapping[str, Any], extra_headers" in form.signature
    assert "data=_form(_body(data, extra_body))" in form.call_args
    assert upload.doc_params == "*, data, files"
    assert "files=files" in upload.call_args
    assert upload.sample_args.startswith('data={"name": "example"}, files={"upload": (')


def test_has_more_pages_by_the_last_item_id() -> None:
    pages = {"style": "has_more", "items_field": "data"}
    (view,) = api_for({"method": "GET", "path": "/charges", "pagination": pages}).endpoints
    assert view.pagination is not None
    assert view.pagination.kwargs == (
        "items_field='data', cursor_param='starting_after', has_more_field='has_more', "
        "id_field='id'"
    )
    assert view.pagination.items == "[{'id': 'i1'}, {'id': 'i2'}, {'id': 'i3'}]"
    with pytest.raises(SpecError, match="has_more pagination needs `items_field`"):
        api_for({"method": "GET", "path": "/charges", "pagination": "has_more"})


def test_idempotency_keys_and_rate_limit_signals() -> None:
    post = {"method": "POST", "path": "/items", "body": True}
    signals = [{"status": 403, "header": "X-RateLimit-Remaining", "value": "0"}]
    api = api_for(post, idempotency_key_header="Idempotency-Key", rate_limit_signals=signals)
    assert api.idempotency_header == "Idempotency-Key"
    assert api.keyed_probe is api.endpoints[0] and api.non_idempotent is None
    assert api.rate_limit_signals == ((403, "x-ratelimit-remaining", "0"),)
    assert api.signal_reply == "respond(403, headers={'x-ratelimit-remaining': '0'})"
    with pytest.raises(ValidationError, match="not a valid HTTP header name"):
        api_for(post, idempotency_key_header="Idempotency Key")
    with pytest.raises(ValidationError, match="less than or equal to 599"):
        api_for(post, rate_limit_signals=[{"status": 700, "header": "x"}])


def test_a_paginated_endpoint_may_send_a_json_body_but_no_form() -> None:
    pages = {"style": "cursor", "items_field": "data"}
    search = {"method": "POST", "path": "/search", "body": True, "pagination": pages}
    (view,) = api_for(search).endpoints
    assert "json=_body(json, extra_body)" in view.page_args
    with pytest.raises(ValidationError, match="sends a JSON body or none, not a form"):
        api_for({**search, "body": "form"})

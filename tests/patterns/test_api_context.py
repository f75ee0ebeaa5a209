"""The API template context: unique, safe, sorted names for everything templates emit."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentflow.errors import SpecError
from agentflow.patterns.api.context import (
    ApiContext,
    EndpointView,
    build_api_context,
)
from agentflow.patterns.api.naming import CLIENT_ATTRIBUTES, ClassNames, method_names
from agentflow.patterns.api.operations import Endpoint
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.spec.models import IntegrationSpec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_api(name: str) -> ApiContext:
    spec = IntegrationSpec.model_validate(yaml.safe_load((EXAMPLES / name).read_text()))
    requirements = ApiRequirements.model_validate(spec.requirements).resolved(spec.slug)
    api = build_api_context(requirements, slug=spec.slug)["api"]
    assert isinstance(api, ApiContext)
    return api


def api_for(*endpoints: dict[str, Any], **extra: Any) -> ApiContext:
    data = {"base_url": "https://api.example.test/v2", "endpoints": list(endpoints), **extra}
    requirements = ApiRequirements.model_validate(data).resolved("demo")
    api = build_api_context(requirements, slug="demo")["api"]
    assert isinstance(api, ApiContext)
    return api


def by_name(api: ApiContext) -> dict[str, EndpointView]:
    return {e.method_name: e for e in api.endpoints}


def test_github_example() -> None:
    api = example_api("github.yaml")
    assert [e.method_name for e in api.endpoints] == [
        "create_issue",
        "get_repo",
        "get_user",
        "list_issues",
    ]
    issues = by_name(api)["list_issues"]
    assert [(p.name, p.python_name) for p in issues.path_params] == [
        ("owner", "owner"),
        ("repo", "repo"),
    ]
    assert [p.python_name for p in issues.query_params] == ["state", "labels", "per_page"]
    assert issues.pagination is not None
    assert issues.pagination.style == "link"
    assert issues.pagination.walker == "_page_link"
    assert by_name(api)["create_issue"].body
    assert not by_name(api)["create_issue"].retryable
    assert api.secret_env_vars == ("GITHUB_TOKEN",)
    assert api.rate_limit is not None
    assert api.rate_limit.summary == "5000 requests per hour (1.39/s sustained)"
    assert api.rate_limit.burst == 5000
    assert [e.method_name for e in api.live_endpoints] == ["get_user"]
    assert api.probe.method_name == "get_repo"
    assert api.non_idempotent is not None
    assert api.non_idempotent.method_name == "create_issue"
    assert api.pagination_styles == ("link",)


def test_stripe_example() -> None:
    api = example_api("stripe.yaml")
    names = by_name(api)
    assert list(names) == [
        "create_customer",
        "create_payment_intent",
        "get_customer",
        "list_charges",
    ]
    charges = names["list_charges"]
    assert [(p.python_name, p.type) for p in charges.query_params] == [
        ("limit", "int"),
        ("customer", "str"),
    ]
    assert charges.pagination is not None
    assert charges.pagination.cursor_param == "starting_after"
    assert charges.pagination.items_field == "data"
    assert api.base_path == "/v1"
    assert api.timeout == 20
    assert api.retry.max_attempts == 4
    assert api.auth.env_var == "STRIPE_API_KEY"
    assert api.rate_limit is not None
    assert api.rate_limit.summary == "100 requests per second"


def test_derived_names_read_like_the_operation() -> None:
    names = method_names(
        [
            Endpoint(method="GET", path="/repos/{owner}/{repo}"),
            Endpoint(method="DELETE", path="/userProfiles/{id}/avatar"),
            Endpoint(method="POST", path="/"),
        ]
    )
    assert names == ["get_repo", "delete_avatar", "post"]


def test_collisions_are_qualified_by_the_parent_resource() -> None:
    names = method_names(
        [
            Endpoint(method="GET", path="/repos/{owner}/{repo}/issues"),
            Endpoint(method="GET", path="/orgs/{org}/issues"),
            Endpoint(method="GET", path="/issues"),
            Endpoint(method="POST", path="/repos/{owner}/{repo}/issues"),
        ]
    )
    assert names == ["list_repo_issues", "list_org_issues", "list_issues", "create_issue"]


def test_collisions_get_params_then_numbers() -> None:
    names = method_names(
        [
            Endpoint(method="GET", path="/users/{id}"),
            Endpoint(method="GET", path="/user"),
            Endpoint(method="GET", path="/users"),
            Endpoint(method="GET", path="/Users"),
            Endpoint(method="GET", path="/a/{x}/b"),
            Endpoint(method="GET", path="/a/b/{x}"),
        ]
    )
    # No parent tells these apart; ties are then broken in (path, method) order:
    # "/Users" < "/users", "/a/b/{x}" < "/a/{x}/b".
    assert names == [
        "get_user_by_id",
        "get_user",
        "list_users_2",
        "list_users",
        "get_a_b_by_x_2",
        "get_a_b_by_x",
    ]


def test_qualified_names_that_still_collide_get_params() -> None:
    names = method_names(
        [
            Endpoint(method="GET", path="/users/{name}/repos"),
            Endpoint(method="GET", path="/user/repos"),
        ]
    )
    assert names == ["list_user_repos_by_name", "list_user_repos"]


def test_derived_names_never_shadow_client_attributes() -> None:
    names = method_names(
        [
            Endpoint(method="POST", path="/{id}/close"),
            Endpoint(method="POST", path="/send"),
            Endpoint(method="POST", path="/{id}/stream"),
            Endpoint(method="POST", path="/{id}/stream", name="stream_"),
        ]
    )
    assert names == ["close_by_id", "create_send", "stream_by_id", "stream_"]
    assert not CLIENT_ATTRIBUTES & set(names)


def test_derived_names_qualify_to_make_way_for_explicit_ones() -> None:
    names = method_names(
        [
            Endpoint(method="GET", path="/repos/{owner}/{repo}/issues"),
            Endpoint(method="GET", path="/search/issues", name="list_issues"),
        ]
    )
    assert names == ["list_repo_issues", "list_issues"]


def test_names_do_not_depend_on_declaration_order() -> None:
    endpoints = [
        {"method": "GET", "path": "/users"},
        {"method": "GET", "path": "/Users"},
        {"method": "GET", "path": "/users/{id}"},
        {"method": "POST", "path": "/users", "name": "list_users"},
    ]
    expected = api_for(*endpoints)
    shuffled = endpoints[:]
    random.Random(7).shuffle(shuffled)
    assert api_for(*shuffled) == expected
    assert api_for(*reversed(endpoints)) == expected


def test_explicit_names_win_and_derived_ones_make_way() -> None:
    names = by_name(
        api_for(
            {"method": "POST", "path": "/users", "name": "list_users"},
            {"method": "GET", "path": "/users"},
        )
    )
    assert names["list_users"].http_method == "POST"
    assert names["list_users_2"].http_method == "GET"


@pytest.mark.parametrize("name", sorted(CLIENT_ATTRIBUTES))
def test_names_never_shadow_client_attributes(name: str) -> None:
    api = api_for({"method": "GET", "path": "/x", "name": name})
    assert api.endpoints[0].method_name == f"{name}_"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("2fa search", "get_2fa_search"), ("import", "import_"), ("Get-User", "get_user")],
)
def test_explicit_names_are_sanitized(name: str, expected: str) -> None:
    endpoint = api_for({"method": "GET", "path": "/x", "name": name}).endpoints[0]
    assert endpoint.method_name == expected


def test_parameter_names_are_sanitized_and_map_back() -> None:
    endpoint = api_for(
        {
            "method": "GET",
            "path": "/items/{class}/{2fa}/{user-id}",
            "query": ["user-id", "json", "self", {"name": "from", "type": "int", "required": True}],
        }
    ).endpoints[0]
    pairs = [(p.name, p.python_name) for p in endpoint.params]
    assert pairs == [
        ("class", "class_"),
        ("2fa", "_2fa"),
        ("user-id", "user_id"),
        ("user-id", "user_id_2"),
        ("json", "json_2"),
        ("self", "self_"),
        ("from", "from_"),
    ]
    assert all(p.python_name.isidentifier() for p in endpoint.params)
    assert endpoint.method_name == "get_item"
    assert [p.name for p in endpoint.required_query] == ["from"]
    assert endpoint.sample_path == "/items/v0 /0/v1 /1/v2 /2"


def test_sample_path_decodes_static_parts() -> None:
    endpoint = api_for({"method": "GET", "path": "/caf%C3%A9/{id}"}).endpoints[0]
    assert endpoint.sample_path == "/café/v0 /0"


def test_query_samples_follow_their_types() -> None:
    endpoint = api_for(
        {
            "method": "GET",
            "path": "/x",
            "query": [
                {"name": "n", "type": "int"},
                {"name": "f", "type": "float"},
                {"name": "b", "type": "bool"},
                "s",
            ],
        }
    ).endpoints[0]
    wire = {p.name: (p.sample, p.wire_sample) for p in endpoint.query_params}
    assert wire == {"n": (7, "7"), "f": (2.5, "2.5"), "b": (True, "true"), "s": ("a b&c", "a b&c")}


def test_auth_and_headers_are_resolved_and_sorted() -> None:
    api = api_for(
        {"method": "GET", "path": "/x"},
        auth={"type": "basic"},
        headers={"X-B": "2", "X-A": "1"},
    )
    assert api.secret_env_vars == ("DEMO_USERNAME", "DEMO_PASSWORD")
    assert api.headers == (("X-A", "1"), ("X-B", "2"))


def test_selection_helpers_when_nothing_is_safe_or_idempotent() -> None:
    api = api_for(
        {"method": "POST", "path": "/a", "retry": False},
        {"method": "POST", "path": "/b/{id}"},
    )
    assert api.live_endpoints == ()
    assert api.probe.path == "/b/{id}"
    assert api.example.path == "/a"
    assert api.rate_limit is None


def test_no_method_is_tested_as_not_retried_when_the_config_retries_all() -> None:
    post = {"method": "POST", "path": "/items", "body": True}
    retry_all = {"retry_non_idempotent": True}
    assert api_for(post).non_idempotent is not None
    assert api_for(post, retry=retry_all).non_idempotent is None
    assert api_for().non_idempotent is not None  # the generic client's post
    assert api_for(retry=retry_all).non_idempotent is None


def test_class_names_avoid_helper_imports() -> None:
    assert ClassNames.for_prefix("GitHub").http_error == "APIStatusError"
    assert ClassNames.for_prefix("GitHub").async_client == "AsyncGitHubClient"
    integration = ClassNames.for_prefix("Integration")
    assert integration.error == "IntegrationApiError"
    assert len(set(integration.all())) == 15
    not_found = ClassNames.for_prefix("NotFound")  # its base error would be NotFoundError
    assert (not_found.error, not_found.not_found_error) == ("NotFoundApiError", "NotFoundError")
    assert dict(not_found.status_errors())[404] == "NotFoundError"


@pytest.mark.parametrize(("prefix", "client"), [("_42Labs", "Svc42LabsClient"), ("", "SvcClient")])
def test_class_names_are_public(prefix: str, client: str) -> None:
    names = ClassNames.for_prefix(prefix)
    assert names.client == client
    assert all(name.isidentifier() and not name.startswith("_") for name in names.all())


def test_context_is_deterministic() -> None:
    assert example_api("github.yaml") == example_api("github.yaml")


def _spec_error(*endpoints: dict[str, Any], **extra: Any) -> SpecError:
    with pytest.raises(SpecError) as excinfo:
        api_for(*endpoints, **extra)
    assert excinfo.value.diagnostics
    return excinfo.value


def test_explicit_names_that_sanitize_alike_are_an_error() -> None:
    error = _spec_error(
        {"method": "GET", "path": "/a", "name": "get-user"},
        {"method": "GET", "path": "/b", "name": "get_user"},
    )
    assert "get_user" in str(error)
    assert error.diagnostics[0].field == "requirements.endpoints[1].name"


def test_repeated_query_parameter_is_an_error() -> None:
    error = _spec_error({"method": "GET", "path": "/a", "query": ["q", "q"]})
    assert error.diagnostics[0].field == "requirements.endpoints[0].query"


def test_cursor_pagination_needs_an_items_field() -> None:
    error = _spec_error({"method": "GET", "path": "/a", "pagination": "cursor"})
    assert error.diagnostics[0].field == "requirements.endpoints[0].pagination.items_field"


@pytest.mark.parametrize("value", ["caf\u00e9", "\u2713 ok"])
def test_header_values_must_be_ascii(value: str) -> None:
    error = _spec_error({"method": "GET", "path": "/a"}, headers={"X-Note": value})
    assert error.diagnostics[0].field == "requirements.headers.X-Note"

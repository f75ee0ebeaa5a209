"""The requirements models: accepted short forms, defaults and validation rules."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agentflow.patterns.api.requirements import (
    PERIOD_SECONDS,
    ApiRequirements,
    AuthConfig,
    Endpoint,
    RateLimit,
    RetryConfig,
)
from agentflow.spec.models import IntegrationSpec

UNITS = {"second": "s", "minute": "m", "hour": "h", "day": "d"}


def api(**overrides: Any) -> dict[str, Any]:
    base = {"base_url": "https://api.example.com", "endpoints": [{"method": "GET", "path": "/a"}]}
    return base | overrides


@pytest.mark.parametrize("count", [1, 7, 250, 5000, 999_999])
@pytest.mark.parametrize("per", list(PERIOD_SECONDS))
def test_rate_limit_forms_agree(count: int, per: str) -> None:
    forms = [
        f"{count}/{per}",
        f" {count} / {UNITS[per]} ",
        {"requests": count, "per": per},
    ]
    limits = [RateLimit.model_validate(form) for form in forms]
    assert all(limit == limits[0] for limit in limits)
    assert (limits[0].requests, limits[0].per) == (count, per)
    assert limits[0].per_second == pytest.approx(count / PERIOD_SECONDS[per])


@pytest.mark.parametrize("count", [1, 5000, 2.5])
def test_bare_number_is_per_second(count: float) -> None:
    limit = RateLimit.model_validate(count)
    assert (limit.requests, limit.per, limit.per_second) == (count, "second", count)


@pytest.mark.parametrize(
    "value",
    ["fast", "", "5000", "5000/week", "-1/hour", "1e3/hour", "5000/hour/day", "/hour", "0/hour"],
)
def test_bad_rate_strings(value: str) -> None:
    with pytest.raises(ValidationError):
        RateLimit.model_validate(value)


@pytest.mark.parametrize(
    "value",
    [True, 0, -5, 1_000_001, float("nan"), float("inf"), {"requests": "10"}, {"per": "hour"}],
)
def test_bad_rate_values(value: Any) -> None:
    with pytest.raises(ValidationError):
        RateLimit.model_validate(value)


def test_rate_limit_rejects_unknown_keys() -> None:
    with pytest.raises(ValidationError) as caught:
        RateLimit.model_validate({"requests": 1, "per": "hour", "burst": 2})
    assert [(e["type"], e["loc"]) for e in caught.value.errors()] == [
        ("extra_forbidden", ("burst",))
    ]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"type": "bearer"}, {"env_var": "GITHUB_TOKEN"}),
        ({"type": "bearer", "env_var": "GH_PAT"}, {"env_var": "GH_PAT"}),
        ({"type": "api_key"}, {"env_var": "GITHUB_API_KEY", "name": "X-API-Key"}),
        ({"type": "api_key", "location": "query"}, {"name": "api_key", "location": "query"}),
        (
            {"type": "api_key", "name": "X-Token", "env_var": "TOKEN"},
            {"name": "X-Token", "env_var": "TOKEN"},
        ),
        (
            {"type": "basic"},
            {"username_env": "GITHUB_USERNAME", "password_env": "GITHUB_PASSWORD"},
        ),
        ({"type": "none"}, {"env_var": None, "name": None, "username_env": None}),
    ],
)
def test_auth_defaults_come_from_the_slug(config: dict[str, str], expected: dict[str, str]) -> None:
    resolved = AuthConfig.model_validate(config).resolved("github")
    assert {key: getattr(resolved, key) for key in expected} == expected
    assert resolved.type == config["type"]


@pytest.mark.parametrize(
    "config",
    [
        {"type": "none", "env_var": "TOKEN"},
        {"type": "basic", "env_var": "TOKEN"},
        {"type": "bearer", "username_env": "USER"},
        {"type": "bearer", "location": "query"},
        {"type": "basic", "name": "X-Key"},
    ],
)
def test_auth_settings_the_type_would_ignore_are_rejected(config: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="does not apply to auth type"):
        AuthConfig.model_validate(config)


@pytest.mark.parametrize("name", ["token", "1TOKEN", "MY-TOKEN", "TOKEN ", ""])
def test_env_var_names_are_checked(name: str) -> None:
    with pytest.raises(ValidationError, match="environment variable name"):
        AuthConfig.model_validate({"type": "bearer", "env_var": name})


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/", ()),
        ("/user", ()),
        ("/repos/{owner}/{repo}/issues", ("owner", "repo")),
        ("/files/{id}.json", ("id",)),
        ("/v1/café", ()),
    ],
)
def test_valid_endpoint_paths(path: str, params: tuple[str, ...]) -> None:
    assert Endpoint(method="GET", path=path).path_params == params


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("users", "must start with '/'"),
        ("", "at least 1 character"),
        ("/a b", "whitespace"),
        ("/a\nb", "whitespace"),
        ("/a\x00b", "whitespace"),
        ("/items?limit=1", "'?'"),
        ("/items#top", "'#'"),
        ("/items/{id", "unbalanced"),
        ("/items/id}", "unbalanced"),
        ("/items/{}", "empty path parameter"),
        ("/a/{id}/b/{id}", "twice"),
    ],
)
def test_invalid_endpoint_paths(path: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Endpoint(method="GET", path=path)


def test_method_is_case_insensitive_and_limited() -> None:
    assert Endpoint.model_validate({"method": "patch", "path": "/a"}).method == "PATCH"
    with pytest.raises(ValidationError):
        Endpoint.model_validate({"method": "FETCH", "path": "/a"})


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_no_body_on_safe_reads(method: str) -> None:
    with pytest.raises(ValidationError, match="cannot send a body"):
        Endpoint.model_validate({"method": method, "path": "/a", "body": True})


@pytest.mark.parametrize(
    ("method", "retry", "retryable"),
    [("GET", None, True), ("PUT", None, True), ("POST", None, False), ("POST", True, True)],
)
def test_retryable(method: str, retry: bool | None, retryable: bool) -> None:
    assert Endpoint.model_validate({"method": method, "path": "/a", "retry": retry}).retryable is (
        retryable
    )


@pytest.mark.parametrize("value", ["yes", "true", 1])
def test_booleans_are_strict(value: Any) -> None:
    with pytest.raises(ValidationError):
        Endpoint.model_validate({"method": "POST", "path": "/a", "body": value})


def test_bare_query_names_and_pagination_style() -> None:
    endpoint = Endpoint.model_validate(
        {
            "method": "GET",
            "path": "/a",
            "query": ["page", {"name": "n", "type": "int"}],
            "pagination": "page",
        }
    )
    assert [(q.name, q.type, q.required) for q in endpoint.query] == [
        ("page", "str", False),
        ("n", "int", False),
    ]
    assert endpoint.pagination is not None and endpoint.pagination.page_param == "page"


def test_api_accepts_the_flat_auth_type_but_not_both_forms() -> None:
    assert ApiRequirements.model_validate(api(auth_type="basic")).auth.type == "basic"
    with pytest.raises(ValidationError, match="either `auth_type` or `auth`"):
        ApiRequirements.model_validate(api(auth_type="basic", auth={"type": "bearer"}))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("api.example.com", "absolute http"),
        ("ftp://api.example.com", "absolute http"),
        ("https://", "absolute http"),
        ("https://api.example.com/?v=1", "query"),
        ("https://api.example.com/#x", "fragment"),
        ("https://user:pw@api.example.com", "credentials"),
        ("https://x.example?", "query"),
        ("https://x.example#", "fragment"),
        ("https://x.example/a/../b", "'.' or '..' segment"),
        ("https://x.example/a/./b", "'.' or '..' segment"),
        ("https://x.example/%2e%2E/b", "'.' or '..' segment"),
        ("https://x.example/a%2Fb", "escaped separator '%2F'"),
        ("https://x.example/a%5cb", "escaped separator '%5c'"),
        ("https://x.example/%00", "escaped control character '%00'"),
        ("https://x.example/%zz", "invalid escape '%zz'"),
        ("https://x.example/a%", "invalid escape '%'"),
        ("https://x.example:99999", "invalid port"),
        ("https://x.example/a\tb", "control characters"),
    ],
)
def test_base_url_rules(url: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        ApiRequirements.model_validate(api(base_url=url))


@pytest.mark.parametrize(
    "url", ["https://x.example/a%20b", "https://[::1]:8080/v1", "http://127.0.0.1:8000//v1"]
)
def test_base_urls_with_a_plain_meaning_are_kept(url: str) -> None:
    assert ApiRequirements.model_validate(api(base_url=url)).base_url == url


def test_base_url_loses_its_trailing_slash() -> None:
    assert ApiRequirements.model_validate(api(base_url="https://x.example/v1/")).base_url == (
        "https://x.example/v1"
    )


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"Bad Header": "x"}, "not a valid HTTP header name"),
        ({"authorization": "Bearer x"}, "never as a static header"),
        ({"X-Note": "a\r\nX-Injected: 1"}, "single printable line"),
    ],
)
def test_header_rules(headers: dict[str, str], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        ApiRequirements.model_validate(api(headers=headers))


def test_duplicate_routes_ignore_parameter_names() -> None:
    endpoints = [{"method": "GET", "path": "/a/{x}"}, {"method": "GET", "path": "/a/{y}"}]
    with pytest.raises(ValidationError) as caught:
        ApiRequirements.model_validate(api(endpoints=endpoints))
    (error,) = caught.value.errors()
    assert error["loc"] == ("endpoints",)
    assert error["ctx"]["item_index"] == 1
    assert error["msg"] == "duplicate endpoint GET /a/{y}; endpoints[0] already declares it"


def test_same_path_with_another_method_is_not_a_duplicate() -> None:
    endpoints = [{"method": "GET", "path": "/a"}, {"method": "DELETE", "path": "/a"}]
    assert len(ApiRequirements.model_validate(api(endpoints=endpoints)).endpoints) == 2


@pytest.mark.parametrize("timeout", ["30", True, 0, 601])
def test_timeout_is_a_strict_bounded_number(timeout: Any) -> None:
    with pytest.raises(ValidationError):
        ApiRequirements.model_validate(api(timeout=timeout))


def test_retry_backoff_base_must_not_exceed_max() -> None:
    assert RetryConfig(backoff_base=2, backoff_max=2).backoff_base == 2
    with pytest.raises(ValidationError, match="must not exceed"):
        RetryConfig(backoff_base=5, backoff_max=1)


@pytest.mark.parametrize("version", ["1", "1.2", "0.10.3"])
def test_valid_versions(version: str) -> None:
    assert IntegrationSpec(service="x", version=version).version == version


@pytest.mark.parametrize("version", ["v1", "1.2.3.4", "1.", "latest"])
def test_invalid_versions(version: str) -> None:
    with pytest.raises(ValidationError, match="write 1, 1.2 or 1.2.3"):
        IntegrationSpec(service="x", version=version)


@pytest.mark.parametrize(
    ("service", "slug"),
    [("GitHub", "github"), ("Google Cloud", "google_cloud"), ("3scale", "svc_3scale")],
)
def test_service_slug(service: str, slug: str) -> None:
    assert IntegrationSpec(service=service).slug == slug


@pytest.mark.parametrize("service", ["", "日本", "!!!"])
def test_service_needs_a_slug(service: str) -> None:
    with pytest.raises(ValidationError):
        IntegrationSpec(service=service)


def test_models_are_frozen() -> None:
    spec = IntegrationSpec(service="x")
    with pytest.raises(ValidationError):
        spec.service = "y"

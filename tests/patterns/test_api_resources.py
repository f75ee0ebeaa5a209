"""Resources: endpoints grouped as `client.issues.list(...)`, as openai-python groups them.

The requirements (resource names, clashes with what the client already has), the method
names inside a resource, the class names, the rendered clients used in-process, and,
marked `slow`, that a package with resources validates at 100 with every mutant caught.
The fixture `fixtures/resources.yaml` groups GitHub-like and Stripe-like endpoints.
"""

from __future__ import annotations

import importlib
import random
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml
from pydantic import ValidationError

from agentflow.errors import SpecError
from agentflow.generation.generate import render_package
from agentflow.orchestration import IntegrationBuilder, SmartOrchestrator
from agentflow.patterns.api import ApiPattern
from agentflow.patterns.api.context import ApiContext, build_api_context
from agentflow.patterns.api.naming import CLIENT_ATTRIBUTES, ClassNames
from agentflow.patterns.api.operations import Endpoint
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.spec.models import IntegrationSpec

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "resources.yaml"
BASE = "https://api.example.test"


def api_for(*endpoints: dict[str, Any]) -> ApiContext:
    requirements = ApiRequirements.model_validate({"base_url": BASE, "endpoints": endpoints})
    api = build_api_context(requirements.resolved("demo"), slug="demo")["api"]
    assert isinstance(api, ApiContext)
    return api


def accesses(*endpoints: dict[str, Any]) -> list[str]:
    """How a client reaches each endpoint, in declaration order."""
    api = api_for(*endpoints)
    by_path = {(e.http_method, e.path): e.access for e in api.endpoints}
    return [by_path[(e["method"], e["path"])] for e in endpoints]


def spec_error(*endpoints: dict[str, Any]) -> SpecError:
    with pytest.raises(SpecError) as excinfo:
        api_for(*endpoints)
    return excinfo.value


# --- the requirements ------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Issues", "pull-requests", "_issues", "2fa", "class", "a__b", "issues_", "", "é"]
)
def test_resource_names_must_be_lower_snake_case_identifiers(name: str) -> None:
    endpoint = {"method": "GET", "path": "/issues", "resource": name}
    with pytest.raises(ValidationError) as excinfo:
        ApiRequirements.model_validate({"base_url": BASE, "endpoints": [endpoint]})
    (error,) = excinfo.value.errors()
    assert error["loc"] == ("endpoints", 0, "resource")
    assert "lower snake case" in error["msg"] and "client.<resource>" in error["msg"]


@pytest.mark.parametrize("name", ["issues", "pull_requests", "v2_users", "oauth2", "match"])
def test_resource_names_may_be_any_lower_snake_case_name(name: str) -> None:
    api = api_for({"method": "GET", "path": "/issues", "resource": name})
    assert [r.name for r in api.resources] == [name]


@pytest.mark.parametrize("name", sorted(CLIENT_ATTRIBUTES))
def test_a_resource_may_not_hide_a_client_attribute(name: str) -> None:
    error = spec_error(
        {"method": "GET", "path": "/user"}, {"method": "GET", "path": "/x", "resource": name}
    )
    (diagnostic,) = error.diagnostics
    assert diagnostic.field == "requirements.endpoints[1].resource"
    assert f"would hide the clients' own `{name}`" in str(error)
    assert diagnostic.hint is not None and "rename the resource" in diagnostic.hint


def test_a_resource_may_not_hide_a_client_method() -> None:
    error = spec_error(
        {"method": "GET", "path": "/x", "resource": "issues"},
        {"method": "GET", "path": "/user"},
        {"method": "GET", "path": "/y", "resource": "get_user"},
    )
    (diagnostic,) = error.diagnostics
    assert diagnostic.field == "requirements.endpoints[2].resource"
    assert "client method `get_user` of requirements.endpoints[1]" in str(error)
    assert diagnostic.hint is not None and "`name:`" in diagnostic.hint


def test_resources_whose_class_names_would_be_one_are_an_error() -> None:
    error = spec_error(
        {"method": "GET", "path": "/x", "resource": "a1b"},
        {"method": "GET", "path": "/y", "resource": "a_1b"},
    )
    assert error.diagnostics[0].field == "requirements.endpoints[1].resource"
    assert "same class name" in str(error)


def test_explicit_names_repeat_only_in_different_places() -> None:
    endpoints = [
        {"method": "GET", "path": "/issues", "resource": "issues", "name": "all"},
        {"method": "GET", "path": "/pulls", "resource": "pulls", "name": "all"},
        {"method": "GET", "path": "/things", "name": "all"},
    ]
    assert accesses(*endpoints) == ["issues.all", "pulls.all", "all"]
    clash = {"method": "GET", "path": "/more", "resource": "issues", "name": "all"}
    with pytest.raises(ValidationError, match="endpoint name 'all' in resource 'issues'"):
        ApiRequirements.model_validate({"base_url": BASE, "endpoints": [*endpoints, clash]})


def test_requirements_record_a_resource_only_when_set() -> None:
    """metadata.json of requirements without resources stays as it was before them."""
    endpoints = [{"method": "GET", "path": "/a"}, {"method": "GET", "path": "/b", "resource": "bs"}]
    requirements = ApiRequirements.model_validate({"base_url": BASE, "endpoints": endpoints})
    dumped = requirements.model_dump(mode="json")["endpoints"]
    assert "resource" not in dumped[0] and dumped[1]["resource"] == "bs"
    assert tuple(Endpoint.model_validate(e) for e in dumped) == requirements.endpoints


# --- names inside a resource ------------------------------------------------------


def test_a_resource_method_is_its_verb_when_unique() -> None:
    issues = "/repos/{owner}/{repo}/issues"
    endpoints = [
        {"method": "GET", "path": issues, "resource": "issues"},
        {"method": "POST", "path": issues, "resource": "issues", "body": True},
        {"method": "GET", "path": issues + "/{number}", "resource": "issues"},
        {"method": "PATCH", "path": issues + "/{number}", "resource": "issues", "body": True},
        {"method": "PUT", "path": issues + "/{number}", "resource": "issues", "body": True},
        {"method": "DELETE", "path": issues + "/{number}", "resource": "issues"},
        {"method": "POST", "path": "/charges/{id}/capture", "resource": "charges"},
        {"method": "GET", "path": "/user"},
    ]
    assert accesses(*endpoints) == [
        "issues.list",
        "issues.create",
        "issues.get",
        "issues.update",
        "issues.replace",
        "issues.delete",
        "charges.capture",
        "get_user",
    ]


def test_shared_verbs_fall_back_to_the_full_derived_names() -> None:
    endpoints = [
        {"method": "GET", "path": "/repos/{o}/{r}/pulls", "resource": "pulls"},
        {"method": "GET", "path": "/repos/{o}/{r}/pulls/{n}/comments", "resource": "pulls"},
        {"method": "GET", "path": "/repos/{o}/{r}/pulls/{n}/files", "resource": "pulls"},
        {"method": "GET", "path": "/orgs/{org}/pulls", "resource": "pulls"},
        {"method": "GET", "path": "/repos/{o}/{r}/pulls/{n}", "resource": "pulls"},
    ]
    assert accesses(*endpoints) == [
        "pulls.list_repo_pulls",
        "pulls.list_comments",
        "pulls.list_files",
        "pulls.list_org_pulls",
        "pulls.get",
    ]


def test_explicit_names_win_and_the_verb_makes_way() -> None:
    endpoints = [
        {"method": "GET", "path": "/issues", "resource": "issues", "name": "list"},
        {"method": "GET", "path": "/users/{user}/issues", "resource": "issues"},
        {"method": "GET", "path": "/issues/{id}", "resource": "issues", "name": "fetch it"},
    ]
    assert accesses(*endpoints) == ["issues.list", "issues.list_issues", "issues.fetch_it"]


@pytest.mark.parametrize(
    ("endpoint", "access"),
    [
        ({"method": "POST", "path": "/things/{id}/import"}, "things.import_"),
        ({"method": "GET", "path": "/things", "name": "str"}, "things.str_"),
        (
            {"method": "GET", "path": "/things", "name": "with_raw_response"},
            "things.with_raw_response_",
        ),
        ({"method": "GET", "path": "/things", "name": "2fa"}, "things.get_2fa"),
        ({"method": "GET", "path": "/things", "name": "filter"}, "things.filter"),
    ],
)
def test_resource_method_names_avoid_keywords_types_and_attributes(
    endpoint: dict[str, Any], access: str
) -> None:
    assert accesses({**endpoint, "resource": "things"}) == [access]


def test_names_do_not_depend_on_declaration_order() -> None:
    endpoints = [
        {"method": "GET", "path": "/repos/{o}/{r}/pulls", "resource": "pulls"},
        {"method": "GET", "path": "/repos/{o}/{r}/pulls/{n}/comments", "resource": "pulls"},
        {"method": "POST", "path": "/repos/{o}/{r}/pulls", "resource": "pulls", "body": True},
        {"method": "GET", "path": "/repos/{o}/{r}/issues", "resource": "issues"},
        {"method": "GET", "path": "/user"},
        {"method": "GET", "path": "/users/{u}/pulls"},
    ]
    expected = sorted(accesses(*endpoints))
    shuffled = list(endpoints)
    random.Random(7).shuffle(shuffled)
    assert sorted(accesses(*shuffled)) == expected
    assert [e.access for e in api_for(*shuffled).endpoints] == expected


def test_resource_methods_keep_the_client_names_of_other_endpoints() -> None:
    """Endpoints outside resources are named as without resources: the grouped ones no
    longer compete for their names."""
    endpoints = [
        {"method": "GET", "path": "/repos/{o}/{r}/issues", "resource": "issues"},
        {"method": "GET", "path": "/user/issues"},
    ]
    assert accesses(*endpoints) == ["issues.list", "list_issues"]
    assert accesses(*(dict(e, resource=None) for e in endpoints)) == [
        "list_repo_issues",
        "list_user_issues",
    ]


def test_operation_and_test_names_are_unique_in_the_client() -> None:
    api = api_for(
        {"method": "GET", "path": "/issues", "resource": "issues"},
        {"method": "GET", "path": "/other", "name": "issues_list"},
    )
    views = {e.access: e for e in api.endpoints}
    assert views["issues.list"].operation == "issues.list"
    assert views["issues.list"].test_name == "issues_list_2"
    assert views["issues_list"].test_name == "issues_list"
    assert "operation='issues.list'" in views["issues.list"].call_args.replace('"', "'")


def test_the_context_splits_client_methods_from_resources() -> None:
    spec = IntegrationSpec.model_validate(yaml.safe_load(FIXTURE.read_text()))
    requirements = ApiRequirements.model_validate(spec.requirements).resolved(spec.slug)
    api = build_api_context(requirements, slug=spec.slug)["api"]
    assert [e.method_name for e in api.client_endpoints] == ["get_repo", "get_user"]
    assert api.raw_methods == ("get_repo", "get_user")
    assert {r.name: [e.method_name for e in r.endpoints] for r in api.resources} == {
        "charges": ["capture", "delete"],
        "issues": ["create", "get", "list", "update"],
        "pulls": ["fetch", "list_comments", "list_pulls"],
    }
    assert api.resource_probe is not None and api.resource_probe.access == "charges.capture"


# --- class names -----------------------------------------------------------------


def test_resource_classes_are_named_after_the_service_and_the_resource() -> None:
    names = ClassNames.for_prefix("GitHub", ["pull_requests", "issues"])
    assert names.resource_class("pull_requests", is_async=False) == "GitHubPullRequestsResource"
    assert names.resource_class("issues", is_async=True) == "AsyncGitHubIssuesResource"
    assert "GitHubIssuesResourceWithRawResponse" in names.resource_classes()
    assert names.all() == ClassNames.for_prefix("GitHub").all()


def test_resource_classes_never_collide_with_each_other() -> None:
    """`Async` + `x` and `async_x` would both be `AsyncAsyncXResource`."""
    names = ClassNames.for_prefix("Async", ["x", "async_x"])
    classes = [*names.service_classes(), *names.resource_classes()]
    assert len(set(classes)) == len(classes)
    assert names.client == "AsyncApiClient"


# --- the rendered clients, imported in-process -------------------------------------


@cache
def _rendered() -> tuple[tuple[str, str], ...]:
    spec = IntegrationSpec.model_validate(yaml.safe_load(FIXTURE.read_text()))
    requirements = ApiRequirements.model_validate(spec.requirements)
    return tuple(render_package(spec, ApiPattern(), requirements).items())


@pytest.fixture
def octo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    for path, text in _rendered():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield importlib.import_module("octo_adapter")
    finally:
        for name in [n for n in sys.modules if n.startswith("octo")]:
            del sys.modules[name]


def octo_client(module: Any, requests: list[httpx.Request], cls: str = "OctoClient") -> Any:
    def reply(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=[{"ok": True}], headers={"X-Request-Id": "r-1"})

    transport = httpx.MockTransport(reply)
    return getattr(module, cls)(
        config=module.OctoConfig(rate_limit=None),
        transport=transport,
        secrets=module.SecretManager({"OCTO_TOKEN": "fake-token"}),
    )


def test_resources_call_the_service_through_the_client(octo: Any) -> None:
    requests: list[httpx.Request] = []
    with octo_client(octo, requests) as client:
        assert isinstance(client.issues, octo.OctoIssuesResource)
        assert list(client.issues.list("o", "r", state="open")) == [{"ok": True}]
        client.with_options(timeout=3).pulls.fetch("o", "r", 7)
        raw = client.with_raw_response.issues.get("o", "r", 1)
        assert (raw.status_code, raw.request_id, raw.parse()) == (200, "r-1", [{"ok": True}])
        assert sorted(client.metrics) == ["issues.get", "issues.list", "pulls.fetch"]
    assert [r.url.path for r in requests] == [
        "/repos/o/r/issues",
        "/repos/o/r/pulls/7",
        "/repos/o/r/issues/1",
    ]
    assert requests[0].url.params["state"] == "open"
    assert requests[1].extensions["timeout"]["read"] == 3
    assert requests[0].headers["Authorization"] == "Bearer fake-token"


def test_async_resources_are_awaited(octo: Any) -> None:
    import asyncio

    requests: list[httpx.Request] = []

    async def run() -> Any:
        async with octo_client(octo, requests, "AsyncOctoClient") as client:
            assert isinstance(client.charges, octo.AsyncOctoChargesResource)
            raw = await client.with_raw_response.charges.delete("ch_1")
            return await client.charges.capture("ch_1", data={"amount": 5}), raw.parse()

    assert asyncio.run(run()) == ([{"ok": True}], [{"ok": True}])
    assert [(r.method, r.url.path) for r in requests] == [
        ("DELETE", "/charges/ch_1"),
        ("POST", "/charges/ch_1/capture"),
    ]


def test_docs_and_examples_call_through_resources() -> None:
    files = dict(_rendered())
    guide = files["OCTO_INTEGRATION.md"]
    assert "### Resources" in guide
    assert "| `client.issues` | `create`, `get`, `list`, `update` |" in guide
    assert "| `issues.list(owner, repo, *, state=None, per_page=None)` |" in guide
    assert "raw = client.with_raw_response.issues.get('owner', 'repo', 'issue_number')" in guide
    assert "`client.issues.with_raw_response.get(...)`" in guide
    assert "client.issues.list(" in files["examples.py"]
    assert "api.issues.list(" in files["test_octo_adapter.py"]


# --- slow: validation of a built package --------------------------------------------


@pytest.mark.slow
def test_a_package_with_resources_validates_with_every_mutant_caught() -> None:
    data = yaml.safe_load(FIXTURE.read_text())
    builder = IntegrationBuilder(SmartOrchestrator(provider="template"))
    package = builder.build_integration(
        service_name=data["service"], integration_type="api", requirements=data["requirements"]
    )
    report = package.report
    assert report is not None
    assert report.score == 100, [c.evidence for c in report.failed_checks]
    evidence = report.check("tests_can_fail").evidence
    assert evidence.startswith("all 4 applicable mutants caught"), evidence

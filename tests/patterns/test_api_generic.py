"""API packages without declared endpoints: the requirements, and the generic client.

Without `endpoints:` the clients get `request(method, path, …)` and `get`/`post`/`put`/
`patch`/`delete` shortcuts going through the same retry, rate-limit, circuit-breaker,
metrics, auth and error-mapping path as endpoint methods. These tests check the spec
accepts that in both forms, the context flag, the rules and mutants on such a package,
the path refusal of the generated client (imported in-process), and, marked `slow`, that a
built package validates with every mutant caught.
"""

from __future__ import annotations

import ast
import importlib
import json
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from agentflow.cli import main
from agentflow.generation.generate import render_package
from agentflow.orchestration import IntegrationBuilder, SmartOrchestrator
from agentflow.patterns.api import ApiPattern
from agentflow.patterns.api.context import build_api_context
from agentflow.patterns.api.mutants import API_MUTANTS
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.patterns.api.rules import check_api_package
from agentflow.spec.models import IntegrationSpec

SERVICE = "Generic Demo"
SLUG = "generic_demo"
ADAPTER = f"{SLUG}_adapter.py"
TESTS = f"test_{SLUG}_adapter.py"
REQUIREMENTS: dict[str, Any] = {
    "base_url": "https://api.demo.example/v1",
    "auth_type": "bearer",
    "rate_limit": 100,
}
SHORTCUTS = ("delete", "get", "patch", "post", "put")


@cache
def _rendered() -> tuple[tuple[str, str], ...]:
    spec = IntegrationSpec.model_validate({"service": SERVICE, "requirements": REQUIREMENTS})
    requirements = ApiRequirements.model_validate(spec.requirements)
    return tuple(render_package(spec, ApiPattern(), requirements).items())


def files() -> dict[str, str]:
    """A fresh, mutable copy of the rendered no-endpoint package."""
    return dict(_rendered())


def client_methods(source: str, client: str) -> set[str]:
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == client)
    return {n.name for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


# --- the requirements ------------------------------------------------------------


def test_requirements_without_endpoints_are_valid_in_the_dict_form() -> None:
    requirements = ApiRequirements.model_validate(REQUIREMENTS)
    assert requirements.endpoints == ()
    assert ApiRequirements.model_validate({**REQUIREMENTS, "endpoints": []}) == requirements


def test_the_python_form_builds_a_generic_client() -> None:
    builder = IntegrationBuilder(SmartOrchestrator(provider="template"), validate=False)
    package = builder.build_integration(
        service_name="Stripe", requirements={"base_url": "https://api.stripe.com"}
    )
    methods = client_methods(package.files["stripe_adapter.py"], "StripeClient")
    assert {"request", *SHORTCUTS} <= methods


def test_the_yaml_form_creates_a_package(tmp_path: Path) -> None:
    spec = tmp_path / "stripe_generic.yaml"
    spec.write_text(
        "service: Stripe\n"
        "requirements: {base_url: https://api.stripe.com, auth_type: bearer, rate_limit: 100}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["integrate", "create", str(spec), "--output-dir", str(out), "--no-validate", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    adapter = (out / "stripe" / "stripe_adapter.py").read_text(encoding="utf-8")
    assert {"request", *SHORTCUTS} <= client_methods(adapter, "AsyncStripeClient")


# --- the context and the rendering -------------------------------------------------


def test_the_context_flags_the_generic_client_and_lists_its_shortcuts() -> None:
    requirements = ApiRequirements.model_validate(REQUIREMENTS).resolved(SLUG)
    api = build_api_context(requirements, slug=SLUG)["api"]
    assert api.generic and api.endpoints == ()
    assert tuple(s.method_name for s in api.shortcuts) == SHORTCUTS
    assert [s.method_name for s in api.shortcuts if s.body] == ["patch", "post", "put"]
    assert [s.method_name for s in api.shortcuts if not s.retryable] == ["patch", "post"]
    assert api.probe.method_name == api.example.method_name == "get"
    assert api.non_idempotent is not None and not api.non_idempotent.retryable


def test_packages_with_endpoints_have_no_generic_client() -> None:
    endpoint = {"method": "GET", "path": "/items"}
    requirements = ApiRequirements.model_validate({**REQUIREMENTS, "endpoints": [endpoint]})
    api = build_api_context(requirements.resolved(SLUG), slug=SLUG)["api"]
    assert not api.generic and api.shortcuts == ()


def test_rendering_is_byte_identical() -> None:
    _rendered.cache_clear()
    first = files()
    _rendered.cache_clear()
    assert files() == first


def test_every_file_speaks_of_the_generic_client() -> None:
    package = files()
    assert "def test_put_sends_its_request_async" in package[TESTS]
    assert "GenericDemoInvalidPathError" in package[TESTS]
    guide = package[f"{SLUG.upper()}_INTEGRATION.md"]
    assert "## Generic client" in guide and "### Adding typed endpoints" in guide
    assert "client.get(EXAMPLE_PATH)" in package["examples.py"]
    assert "endpoints: []" in package["config.yaml"]


# --- rules and mutants -------------------------------------------------------------


def test_the_package_follows_the_pattern_rules() -> None:
    assert check_api_package(files()) == []


def test_an_untested_shortcut_is_reported() -> None:
    package = files()
    package[TESTS] = package[TESTS].replace("api.put(", "api.missing(")
    problems = check_api_package(package)
    assert [p.split(": ", 1)[1] for p in problems] == [
        f"endpoint method {cls}.put is never called in {TESTS}"
        for cls in ("GenericDemoClient", "AsyncGenericDemoClient")
    ]


def test_a_client_without_any_method_is_reported() -> None:
    package = files()
    tree = ast.parse(package[ADAPTER])
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "GenericDemoClient":
            keep = {"__init__", "_request", "_call", "close", "__enter__", "__exit__"}
            node.body = [n for n in node.body if getattr(n, "name", "") in keep]
    package[ADAPTER] = ast.unparse(tree)
    problems = [p for p in check_api_package(package) if "has no endpoint methods" in p]
    assert len(problems) == 1 and "GenericDemoClient has no endpoint" in problems[0]


def shortcut_calls(source: str) -> list[str]:
    """`method path` of every `self.request("<METHOD>", <path>, …)` call, in order."""
    return [
        f"{node.args[0].value} {ast.unparse(node.args[1])}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and ast.unparse(node.func) == "self.request"
        and isinstance(node.args[0], ast.Constant)
    ]


def mutated(name: str) -> str:
    mutant = next(m for m in API_MUTANTS if m.name == name)
    recorded = ApiRequirements.model_validate(REQUIREMENTS).model_dump(mode="json")
    result = mutant.mutate(files()[ADAPTER], recorded)
    assert result is not None
    return result


def test_wrong_path_moves_every_shortcut() -> None:
    calls = shortcut_calls(files()[ADAPTER])
    assert len(calls) == 10  # five shortcuts on each client
    assert shortcut_calls(mutated("wrong_path")) == [
        call.replace(" path", " '/mutated' + path") for call in calls
    ]


def test_wrong_method_swaps_every_shortcut() -> None:
    swapped = {"GET": "POST", "POST": "GET", "PUT": "PATCH", "PATCH": "PUT", "DELETE": "GET"}
    calls = shortcut_calls(files()[ADAPTER])
    expected = [f"{swapped[c.split()[0]]} {c.split()[1]}" for c in calls]
    assert shortcut_calls(mutated("wrong_method")) == expected


@pytest.mark.parametrize("name", ["auth_dropped", "retry_disabled"])
def test_the_other_mutants_apply(name: str) -> None:
    assert mutated(name) != files()[ADAPTER]


# --- the generated client, imported in-process -------------------------------------


@pytest.fixture
def adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    for path, text in files().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield importlib.import_module(f"{SLUG}_adapter")
    finally:
        for name in [n for n in sys.modules if n.startswith(SLUG)]:
            del sys.modules[name]


def demo_client(module: Any, requests: list[httpx.Request]) -> Any:
    def reply(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"ok": True})

    secrets = module.SecretManager({"GENERIC_DEMO_TOKEN": "fake-token"})
    return module.GenericDemoClient(
        config=module.GenericDemoConfig(rate_limit=None),
        transport=httpx.MockTransport(reply),
        secrets=secrets,
    )


@pytest.mark.parametrize(
    "path",
    ["https://evil.example/x", "//evil.example/x", "evil.example/x", "/v1/../x", "/%2E%2E/x"],
)
def test_the_generic_client_refuses_paths_off_the_base_url(adapter: Any, path: str) -> None:
    requests: list[httpx.Request] = []
    with demo_client(adapter, requests) as client:
        with pytest.raises(adapter.GenericDemoInvalidPathError) as excinfo:
            client.get(path)
        assert client.get("/charges") == {"ok": True}
    assert isinstance(excinfo.value, ValueError)
    assert [str(r.url) for r in requests] == ["https://api.demo.example/v1/charges"]
    assert requests[0].headers["Authorization"] == "Bearer fake-token"


# --- slow: validation of a built package --------------------------------------------


@pytest.mark.slow
def test_a_built_package_validates_with_every_mutant_caught() -> None:
    builder = IntegrationBuilder(SmartOrchestrator(provider="template"))
    package = builder.build_integration(service_name=SERVICE, requirements=REQUIREMENTS)
    report = package.report
    assert report is not None
    assert report.score == 100, [c.evidence for c in report.failed_checks]
    evidence = report.check("tests_can_fail").evidence
    assert evidence.startswith("all 4 applicable mutants caught"), evidence
    assert package.metadata["build_metrics"]["validation_score"] == 100
    assert json.loads(json.dumps(package.metadata["requirements"]))["endpoints"] == []

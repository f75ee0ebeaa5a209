"""The API pattern's mutants: each makes its fault in every adapter the template writes.

The fault is checked in the mutated syntax tree; that the template's tests catch each one is
checked end to end by building a package of every kind and validating it.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentflow.generation.generate import render_package
from agentflow.orchestration import IntegrationBuilder
from agentflow.patterns.api import ApiPattern
from agentflow.patterns.api.mutants import API_MUTANTS
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.patterns.mutants import MutationError
from agentflow.spec.loader import load_spec
from agentflow.spec.models import IntegrationSpec
from agentflow.validation.sandbox import network_isolation

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MUTANTS = {mutant.name: mutant for mutant in API_MUTANTS}


def spec(auth: Mapping[str, Any], *endpoints: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "service": "Shop",
        "type": "api",
        "requirements": {
            "base_url": "https://api.shop.example/v2",
            "auth": dict(auth),
            "endpoints": list(endpoints)
            or [
                {"method": "GET", "path": "/items/{item_id}"},
                {"method": "POST", "path": "/items", "body": True},
                {"method": "DELETE", "path": "/items/{item_id}", "retry": False},
                {"method": "GET", "path": "/items", "pagination": "page"},
            ],
        },
    }


SPECS: dict[str, dict[str, Any]] = {
    "bearer": spec({"type": "bearer"}),
    "api_key_header": spec({"type": "api_key"}),
    "api_key_query": spec({"type": "api_key", "location": "query", "name": "key"}),
    "basic": spec({"type": "basic"}),
    "no_auth": spec({"type": "none"}),
    "post_only": spec({"type": "bearer"}, {"method": "POST", "path": "/orders", "body": True}),
}


@cache
def adapter(name: str) -> str:
    """The adapter the template renders for `SPECS[name]`."""
    data = IntegrationSpec.model_validate(SPECS[name])
    requirements = ApiRequirements.model_validate(data.requirements)
    files = render_package(data, ApiPattern(), requirements)
    return files[f"{data.slug}_adapter.py"]


def requirements(name: str) -> dict[str, Any]:
    return dict(SPECS[name]["requirements"])


def mutate(mutant: str, name: str) -> ast.Module:
    mutated = MUTANTS[mutant].mutate(adapter(name), requirements(name))
    assert mutated is not None and mutated != adapter(name)
    return ast.parse(mutated)


def endpoint_requests(tree: ast.Module) -> list[tuple[str, str]]:
    """(method, path literal) of every endpoint request, in order."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and len(node.args) >= 2):
            continue
        method, path = node.args[0], node.args[1]
        if not (isinstance(method, ast.Constant) and method.value in {"GET", "POST", "DELETE"}):
            continue
        if isinstance(path, ast.Call):
            path = path.args[0]
        assert isinstance(path, ast.Constant)
        found.append((method.value, path.value))
    return found


def function(tree: ast.Module, name: str) -> ast.FunctionDef:
    return next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)


def credential_stores(tree: ast.Module) -> list[str]:
    """The targets values read from the secrets are assigned to."""
    return [
        ast.unparse(node.targets[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and "_secrets.get" in ast.unparse(node.value)
    ]


def test_loading_the_patterns_does_not_load_validation() -> None:
    code = (
        "import sys\n"
        "from agentflow.patterns.base import load_patterns\n"
        "assert load_patterns()['api'].mutants()\n"
        "print(sorted(name for name in sys.modules if name.startswith('agentflow.validation')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_pattern_offers_its_four_mutants() -> None:
    assert ApiPattern().mutants() == API_MUTANTS
    assert list(MUTANTS) == ["wrong_path", "wrong_method", "auth_dropped", "retry_disabled"]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_wrong_path_moves_every_endpoint_request(name: str) -> None:
    original = endpoint_requests(ast.parse(adapter(name)))
    mutated = endpoint_requests(mutate("wrong_path", name))
    assert original and len(mutated) == len(original)
    assert mutated == [(method, "/mutated" + path) for method, path in original]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_wrong_method_swaps_every_endpoint_method(name: str) -> None:
    swapped = {"GET": "POST", "POST": "GET", "DELETE": "GET"}
    original = endpoint_requests(ast.parse(adapter(name)))
    mutated = endpoint_requests(mutate("wrong_method", name))
    assert mutated == [(swapped[method], path) for method, path in original]


@pytest.mark.parametrize("name", ["bearer", "api_key_header", "api_key_query", "basic"])
def test_auth_dropped_still_reads_the_credentials_but_never_sends_them(name: str) -> None:
    before = credential_stores(ast.parse(adapter(name)))
    assert before and all(target != "_" for target in before)
    after = credential_stores(mutate("auth_dropped", name))
    assert after == ["_"] * len(before), "read (so missing ones still fail), then dropped"


def test_auth_dropped_does_not_apply_without_credentials() -> None:
    assert MUTANTS["auth_dropped"].mutate(adapter("no_auth"), requirements("no_auth")) is None


@pytest.mark.parametrize("name", sorted(SPECS))
def test_retry_disabled_allows_one_attempt(name: str) -> None:
    attempts = function(mutate("retry_disabled", name), "_attempts")
    assert ast.unparse(attempts.body[-1]) == "return 1"
    assert ast.get_docstring(attempts), "the docstring is kept"


def test_retry_disabled_does_not_apply_when_no_endpoint_retries() -> None:
    never = {"endpoints": [{"method": "GET", "path": "/x", "retry": False}]}
    assert MUTANTS["retry_disabled"].mutate(adapter("bearer"), never) is None


@pytest.mark.parametrize(
    ("mutant", "restructure", "message"),
    [
        (
            "wrong_path",
            lambda text: text.replace('"GET"', "GET_")
            .replace('"POST"', "POST_")
            .replace('"DELETE"', "DELETE_"),
            "no endpoint request of the form",
        ),
        (
            "auth_dropped",
            lambda text: text.replace("self._secrets.get(", "self._secret("),
            "no value read with `self._secrets.get(…)` is stored",
        ),
        (
            "retry_disabled",
            lambda text: text.replace("def _attempts(", "def _tries("),
            "no `_attempts` method",
        ),
        ("wrong_method", lambda text: text + "\ndef broken(:\n", "does not parse"),
    ],
)
def test_a_restructured_adapter_cannot_be_mutated(
    mutant: str, restructure: Any, message: str
) -> None:
    with pytest.raises(MutationError, match=re.escape(message)):
        MUTANTS[mutant].mutate(restructure(adapter("bearer")), requirements("bearer"))


def test_the_golden_adapters_are_mutated_too() -> None:
    root = EXAMPLES.parent / "integrations" / "github"
    source = (root / "github_adapter.py").read_text(encoding="utf-8")
    recorded = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    for mutant in API_MUTANTS:
        mutated = mutant.mutate(source, recorded["requirements"])
        assert mutated is not None and compile(mutated, "github_adapter.py", "exec")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_template_tests_catch_every_mutant(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(SPECS[name]), encoding="utf-8")
    package = IntegrationBuilder().build(load_spec(path))
    report = package.report
    assert report is not None
    check = report.check("tests_can_fail")
    assert check.passed, check.evidence
    applicable = 3 if name == "no_auth" else 4
    assert check.evidence.startswith(f"all {applicable} applicable mutants caught")
    assert report.score == 100, [c.evidence for c in report.failed_checks]
    recorded = package.metadata["validation"]
    assert recorded["checks"]["tests_can_fail"] is True
    isolation = {"environment": "scrubbed", "network": network_isolation().description}
    assert recorded["isolation"] == isolation

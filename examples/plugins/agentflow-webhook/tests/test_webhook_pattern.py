"""The webhook pattern: scoring, requirements, rendering and golden files.

Run with the plugin installed (`pip install -e .`); set UPDATE_GOLDEN=1 to rewrite the
golden files after an intended template change, then review the diff.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from agentflow.generation.generate import render_package
from agentflow.patterns.base import (
    NEAR_TIE,
    load_patterns,
    select_pattern,
)
from agentflow.patterns.mutants import MutationError
from agentflow.spec.models import IntegrationSpec
from pydantic import ValidationError

from agentflow_webhook import WebhookPattern, WebhookRequirements

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
GOLDEN = HERE / "golden"
PATTERN = WebhookPattern()
SPECS = ["github-webhooks", "acme-payments-webhooks"]


def load(name: str) -> IntegrationSpec:
    text = (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    return IntegrationSpec.model_validate(yaml.safe_load(text))


def render(spec: IntegrationSpec) -> dict[str, str]:
    """The files this pattern produces (the copied `<slug>_utils` helpers left out)."""
    requirements = WebhookRequirements.model_validate(spec.requirements)
    files = render_package(spec, PATTERN, requirements)
    return {path: text for path, text in files.items() if "/" not in path}


def test_registered_under_the_entry_point() -> None:
    assert isinstance(load_patterns()["webhook"], WebhookPattern)


@pytest.mark.parametrize("name", SPECS)
def test_webhook_specs_are_detected_with_margin(name: str) -> None:
    pattern, matches = select_pattern(load(name).requirements)
    assert pattern.name == "webhook"
    assert matches[0].score - matches[1].score >= NEAR_TIE
    assert "signing_secret_env: names a webhook signing secret" in matches[0].reasons


def test_an_api_spec_scores_zero() -> None:
    api = {"base_url": "https://api.example.com", "endpoints": [{"method": "GET", "path": "/"}]}
    assert PATTERN.explain(api).score == 0.0


def test_unknown_keys_are_errors() -> None:
    with pytest.raises(ValidationError, match="signing_secret"):
        WebhookRequirements.model_validate({"signing_secret": "x", "events": ["push"]})


def test_tolerance_needs_a_timestamp_header() -> None:
    with pytest.raises(ValidationError, match="tolerance_seconds needs timestamp_header"):
        WebhookRequirements.model_validate(
            {"signing_secret_env": "S", "events": ["push"], "tolerance_seconds": 60}
        )


@pytest.mark.parametrize("name", SPECS)
def test_renders_only_its_own_files_as_valid_python(name: str) -> None:
    spec = load(name)
    files = render(spec)
    assert sorted(files) == [f"{spec.slug}_adapter.py", f"test_{spec.slug}_adapter.py"]
    for path, text in files.items():
        ast.parse(text, filename=path)
    assert PATTERN.validate(files) == []


def test_validate_rejects_a_plain_equality_check() -> None:
    files = render(load("github-webhooks"))
    adapter = "github_webhooks_adapter.py"
    files[adapter] = files[adapter].replace("hmac.compare_digest(", "_equal(")
    assert PATTERN.validate(files) == [f"{adapter}: compare signatures with hmac.compare_digest"]


@pytest.mark.parametrize("name", SPECS)
def test_the_generated_tests_catch_every_mutant(name: str, tmp_path: Path) -> None:
    spec = load(name)
    files = render(spec)
    adapter = f"{spec.slug}_adapter.py"
    for mutant in PATTERN.mutants():
        mutated = mutant.mutate(files[adapter], spec.requirements)
        assert mutated is not None and mutated != files[adapter], mutant.name
        copy = tmp_path / mutant.name
        copy.mkdir()
        for path, text in {**files, adapter: mutated}.items():
            (copy / path).write_text(text, encoding="utf-8")
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
            cwd=copy,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert tests.returncode == 1, f"{mutant.name} survived:\n{tests.stdout}"


def test_a_verifier_renamed_cannot_be_mutated() -> None:
    spec = load("github-webhooks")
    adapter = render(spec)["github_webhooks_adapter.py"]
    renamed = adapter.replace("def verify_signature(", "def check_signature(")
    (mutant,) = PATTERN.mutants()
    with pytest.raises(MutationError, match="no verify_signature function"):
        mutant.mutate(renamed, spec.requirements)


def test_user_text_cannot_break_out_of_the_generated_code() -> None:
    spec = load("github-webhooks").model_copy(
        update={"description": 'Ends a docstring """ + __import__("os").system("x") #'}
    )
    adapter = render(spec)["github_webhooks_adapter.py"]
    docstring = ast.get_docstring(ast.parse(adapter))
    assert docstring is not None and '__import__("os")' in docstring


@pytest.mark.parametrize("name", SPECS)
def test_matches_the_golden_files(name: str) -> None:
    spec = load(name)
    files = render(spec)
    expected_dir = GOLDEN / spec.slug
    if os.environ.get("UPDATE_GOLDEN"):
        expected_dir.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            (expected_dir / path).write_text(text, encoding="utf-8")
    expected = {p.name: p.read_text(encoding="utf-8") for p in expected_dir.glob("*.py")}
    assert files == expected

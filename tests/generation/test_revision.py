"""Model-made files that fail the package's validation are revised once, then replaced."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from agentflow.build import IntegrationBuilder, IntegrationPackage
from agentflow.generation.backends.llm import ChatRequest
from agentflow.generation.backends.pricing import cost
from agentflow.generation.orchestrator import SmartOrchestrator
from agentflow.validation import ValidationReport

from .fake_chat import REQUIREMENTS, FakeChat, improved, target, template_files

pytestmark = pytest.mark.slow

TESTS = "test_github_adapter.py"
FAILING_TEST = "\n\ndef test_rate_limit_is_documented() -> None:\n    assert 1 == 2\n"


def validated_build(client: FakeChat) -> IntegrationPackage:
    orchestrator = SmartOrchestrator("openai", clients={"openai": client}, use_cache=False)
    return IntegrationBuilder(orchestrator).build_integration("GitHub", "api", REQUIREMENTS)


def records(package: IntegrationPackage) -> dict[str, dict[str, object]]:
    files: dict[str, dict[str, object]] = json.loads(package.files["metadata.json"])["files"]
    return files


def failing_tests_until_told(fixed_on_revision: bool) -> FakeChat:
    """A model whose tests fail when run; told the failure, it fixes them or not."""

    def answer(request: ChatRequest) -> str:
        told = "tests check failed" in request.prompt
        if target(request) == TESTS and not (told and fixed_on_revision):
            return improved(request).rstrip("\n") + FAILING_TEST
        return improved(request)

    return FakeChat(answer=answer)


def test_failing_tests_are_sent_back_with_the_failure_and_fixed() -> None:
    client = failing_tests_until_told(fixed_on_revision=True)
    package = validated_build(client)
    assert package.report is not None and not package.report.failed_checks
    assert records(package)[TESTS]["provenance"] == "gpt-4o"
    assert "test_rate_limit_is_documented" not in package.files[TESTS]
    revision = [r for r in client.requests if "tests check failed" in r.prompt]
    assert [target(r) for r in revision] == [TESTS]  # the adapter was not implicated
    assert "test_rate_limit_is_documented" in revision[0].prompt
    assert records(package)[TESTS]["cost"] == pytest.approx(2 * cost("gpt-4o", 1000, 500))


def test_tests_still_failing_after_revision_fall_back_to_the_template() -> None:
    client = failing_tests_until_told(fixed_on_revision=False)
    package = validated_build(client)
    assert package.report is not None and not package.report.failed_checks
    record = records(package)[TESTS]
    assert record["provenance"] == "template (fallback after validation: tests failed)"
    assert package.files[TESTS] == template_files()[TESTS]
    assert record["cost"] == pytest.approx(2 * cost("gpt-4o", 1000, 500))
    assert records(package)["github_adapter.py"]["provenance"] == "gpt-4o"
    total = json.loads(package.files["metadata.json"])["build_metrics"]["total_cost"]
    assert total == pytest.approx(sum(float(r.get("cost", 0)) for r in records(package).values()))


def test_a_revision_round_rewrites_only_what_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    import agentflow.build as build
    import agentflow.validation as validation

    written: list[list[str]] = []
    folders: list[str] = []
    write_tree, validate_package = build.write_tree, validation.validate_package

    def recording_write(root: Path, files: Mapping[str, bytes]) -> None:
        written.append(sorted(files))
        write_tree(root, files)

    def recording_validate(path: Path, **options: Any) -> ValidationReport:
        folders.append(str(path))
        return validate_package(path, **options)

    monkeypatch.setattr(build, "write_tree", recording_write)
    monkeypatch.setattr(validation, "validate_package", recording_validate)
    package = validated_build(failing_tests_until_told(fixed_on_revision=True))
    first, revision = written
    assert set(first) == set(package.files)
    assert revision == sorted([TESTS, "metadata.json"])
    assert len(set(folders)) == 1 and not Path(folders[0]).exists()

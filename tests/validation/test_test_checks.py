"""The `tests` and `coverage` checks, and that validating leaves a package untouched."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agentflow.validation import testrun, validate_package
from agentflow.validation.context import CheckContext
from agentflow.validation.sandbox import Sandbox
from agentflow.validation.testrun import declared_plugins, plugin_options
from agentflow.validation.tools import ToolRun

from .packages import ADAPTER, TESTS, FakePattern, PackageFactory, snapshot

slow = pytest.mark.slow
RealRun = CheckContext.run_python
RealSandboxRun = Sandbox.run


def fake_pytest(reply: Callable[[list[str]], ToolRun]) -> Callable[..., ToolRun]:
    """`CheckContext.run_python` with the package's pytest run answered by `reply`."""

    def run_python(ctx: CheckContext, args: list[str], **kwargs: Any) -> ToolRun:
        if args[:2] != ["-m", "pytest"]:
            return RealRun(ctx, args, **kwargs)
        return reply(args)

    return run_python


@slow
def test_clean_package_scores_100_and_is_left_byte_identical(
    make_package: PackageFactory,
) -> None:
    path = make_package()
    before = snapshot(path)
    first = validate_package(path, pattern=FakePattern())
    second = validate_package(path, pattern=FakePattern())
    assert snapshot(path) == before
    assert first.score == second.score == 100
    assert [c.status for c in first.checks] == [c.status for c in second.checks]
    tests = first.check("tests")
    assert tests.evidence.startswith("pytest: 2 passed in ")
    assert "-p no:cacheprovider" in tests.evidence
    coverage = first.check("coverage")
    assert coverage.evidence.startswith(
        "demo_adapter.py and demo_utils/: 100.00% line coverage (8/8"
    )


@slow
def test_failing_test_fails_tests_with_the_test_named(make_package: PackageFactory) -> None:
    failing = TESTS.replace('== "hello x"', '== "bye x"')
    report = validate_package(
        make_package({"test_demo_adapter.py": failing}), pattern=FakePattern()
    )
    check = report.check("tests")
    assert not check.passed
    assert check.evidence.startswith("pytest: 1 failed, 1 passed in ")
    assert "FAILED test_demo_adapter.py::test_greet" in check.evidence
    assert report.check("coverage").passed, "coverage is judged on its own"


@slow
def test_low_coverage_fails_coverage_only(make_package: PackageFactory) -> None:
    adapter = ADAPTER + '\n\ndef unused(flag: bool) -> str:\n    """Never called."""\n'
    adapter += '    if flag:\n        return "yes"\n    return "no"\n'
    report = validate_package(make_package({"demo_adapter.py": adapter}), pattern=FakePattern())
    assert report.check("tests").passed
    coverage = report.check("coverage")
    assert not coverage.passed
    assert coverage.evidence.splitlines() == [
        "demo_adapter.py and demo_utils/: 75.00% line coverage (9/12 statements), minimum 90%",
        "missing lines in demo_adapter.py: 19-21",
    ]
    assert report.score == 90


@slow
def test_min_coverage_is_configurable(make_package: PackageFactory) -> None:
    adapter = ADAPTER + '\n\ndef unused() -> str:\n    """Never called."""\n'
    adapter += '    return "no"\n'
    path = make_package({"demo_adapter.py": adapter})
    report = validate_package(path, pattern=FakePattern(), min_coverage=80.0)
    assert report.check("coverage").passed
    assert "minimum 80%" in report.check("coverage").evidence


@slow
def test_hanging_suite_times_out(make_package: PackageFactory) -> None:
    hanging = TESTS.replace(
        '    assert greet("x") == "hello x"',
        '    import time\n\n    time.sleep(60)\n    assert greet("x") == "hello x"',
    )
    path = make_package({"test_demo_adapter.py": hanging})
    report = validate_package(path, pattern=FakePattern(), test_timeout=3.0)
    check = report.check("tests")
    assert not check.passed
    assert check.evidence.startswith("pytest: timed out after 3s")


def test_tests_and_coverage_share_one_pytest_run(
    make_package: PackageFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def fake_run_tool(args: list[str]) -> ToolRun:
        calls.append(list(args))
        report = next(a for a in args if a.startswith("--cov-report=json:"))
        coverage = {
            "files": {
                "demo_adapter.py": {
                    "summary": {"num_statements": 10, "covered_lines": 9},
                    "missing_lines": [7],
                },
                "demo_utils/retry.py": {
                    "summary": {"num_statements": 10, "covered_lines": 8},
                    "missing_lines": [3, 4],
                },
            }
        }
        Path(report.split(":", 1)[1]).write_text(json.dumps(coverage), encoding="utf-8")
        return ToolRun("python -m pytest", 0, "3 passed in 0.10s\n", "")

    monkeypatch.setattr(CheckContext, "run_python", fake_pytest(fake_run_tool))
    report = validate_package(make_package(), pattern=FakePattern())
    assert len(calls) == 1
    assert {"--cov=demo_adapter", "--cov=demo_utils"} <= set(calls[0])
    assert report.check("tests").evidence.startswith("pytest: 3 passed in 0.10s")
    assert not report.check("coverage").passed
    assert report.check("coverage").evidence.splitlines() == [
        "demo_adapter.py and demo_utils/: 85.00% line coverage (17/20 statements), minimum 90%",
        "missing lines in demo_adapter.py: 7",
        "missing lines in demo_utils/retry.py: 3-4",
    ]


def test_without_a_helper_package_the_adapter_alone_is_measured(
    make_package: PackageFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def fake_run_tool(args: list[str]) -> ToolRun:
        calls.append(list(args))
        report = next(a for a in args if a.startswith("--cov-report=json:"))
        entry = {"summary": {"num_statements": 4, "covered_lines": 4}, "missing_lines": []}
        coverage = {"files": {"demo_adapter.py": entry}}
        Path(report.split(":", 1)[1]).write_text(json.dumps(coverage), encoding="utf-8")
        return ToolRun("python -m pytest", 0, "2 passed in 0.10s\n", "")

    monkeypatch.setattr(CheckContext, "run_python", fake_pytest(fake_run_tool))
    helper = 'from demo_utils.retry import ATTEMPTS\n\n__all__ = ["ATTEMPTS", "greet"]\n\n'
    standalone = ADAPTER.replace(helper, "")
    assert "demo_utils" not in standalone
    path = make_package(
        {"demo_adapter.py": standalone, "demo_utils/__init__.py": None, "demo_utils/retry.py": None}
    )
    report = validate_package(path, pattern=FakePattern())
    assert [a for a in calls[0] if a.startswith("--cov=")] == ["--cov=demo_adapter"]
    assert report.check("coverage").evidence == (
        "demo_adapter.py: 100.00% line coverage (4/4 statements), minimum 90%"
    )


def test_adapter_never_imported_fails_coverage(
    make_package: PackageFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_run_tool(args: list[str]) -> ToolRun:
        report = next(a for a in args if a.startswith("--cov-report=json:"))
        Path(report.split(":", 1)[1]).write_text('{"files": {}}', encoding="utf-8")
        return ToolRun("python -m pytest", 5, "no tests ran in 0.01s\n", "")

    monkeypatch.setattr(CheckContext, "run_python", fake_pytest(fake_run_tool))
    report = validate_package(make_package(), pattern=FakePattern())
    assert report.check("tests").evidence.startswith("pytest: no tests ran in 0.01s")
    assert not report.check("tests").passed
    coverage = report.check("coverage")
    assert not coverage.passed
    assert "never imported" in coverage.evidence


def with_test_extra(root: Path, *requirements: str) -> Path:
    """`root` holding a pyproject.toml whose `test` extra lists `requirements`."""
    listed = ", ".join(f'"{r}"' for r in requirements)
    text = f'[project]\nname = "demo"\n\n[project.optional-dependencies]\ntest = [{listed}]\n'
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "pyproject",
    [None, '[project]\nname = "demo"\n', "[project\n"],
    ids=["no-pyproject", "no-test-extra", "unreadable"],
)
def test_without_a_test_extra_every_installed_plugin_loads(
    tmp_path: Path, pyproject: str | None
) -> None:
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    assert declared_plugins(tmp_path) is None
    assert plugin_options(None, needed=("pytest_cov",)) == ([], {})


def test_the_test_extra_chooses_the_plugins_and_invalid_requirements_are_ignored(
    tmp_path: Path,
) -> None:
    root = with_test_extra(tmp_path, "pytest>=8", "pytest-cov>=5", "not a requirement!")
    assert declared_plugins(root) == frozenset({"pytest_cov"})


def test_plugins_validation_needs_load_even_when_not_declared(tmp_path: Path) -> None:
    plugins = declared_plugins(with_test_extra(tmp_path, "pytest"))
    assert plugins == frozenset()
    assert plugin_options(plugins, needed=("pytest_cov",)) == (
        ["-p", "pytest_cov"],
        {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert plugin_options(plugins) == ([], {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})


def test_the_declared_plugins_are_looked_up_once_per_validation(
    make_package: PackageFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[Path] = []
    mutant_runs: list[list[str]] = []

    def declared(root: Path) -> frozenset[str] | None:
        looked_up.append(root)
        return frozenset({"anyio"})

    def run_mutants(sandbox: Sandbox, args: list[str], **kwargs: Any) -> ToolRun:
        if args[0] != "run_mutants.py":
            return RealSandboxRun(sandbox, args, **kwargs)
        mutant_runs.append(list(args))
        return ToolRun("python run_mutants.py", 0, '{"hollow_adapter": 1}\n', "")

    def passing(args: list[str]) -> ToolRun:
        assert "-p anyio -p pytest_cov" in " ".join(args)
        return ToolRun("python -m pytest", 0, "2 passed in 0.10s\n", "")

    monkeypatch.setattr(testrun, "declared_plugins", declared)
    monkeypatch.setattr(CheckContext, "run_python", fake_pytest(passing))
    monkeypatch.setattr(Sandbox, "run", run_mutants)
    report = validate_package(make_package(), pattern=FakePattern())
    assert report.check("tests").passed
    assert len(mutant_runs) == 1 and mutant_runs[0][-2:] == ["-p", "anyio"]
    assert len(looked_up) == 1

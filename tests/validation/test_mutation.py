"""`tests_can_fail`: tests that cannot fail are found out by the mutants they let through."""

from __future__ import annotations

import ast
import re
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from weakening import weakened

from agentflow.validation import (
    Mutant,
    MutationError,
    ValidationReport,
    run_mutants,
    validate_package,
)

from .packages import HANGS, TESTS, FakePattern, PackageFactory, snapshot
from .processes import all_gone, wait_for

ROOT = Path(__file__).resolve().parents[2]
ONLY_GREETING_TESTED = TESTS.split("\n\ndef test_greet_requires_name")[0] + "\n"
API_MUTANTS = ("wrong_path", "wrong_method", "auth_dropped", "retry_disabled")
slow = pytest.mark.slow


REQUEST_TEST = re.compile(r"^def (?=test_\w+_sends_its_request)", re.MULTILINE)


def request_tests_skipped(tests: str) -> str:
    return REQUEST_TEST.sub('@pytest.mark.skip(reason="flaky")\ndef ', tests)


def golden_copy(tmp_path: Path, slug: str, edits: Mapping[str, Callable[[str], str]]) -> Path:
    """A copy of a committed golden package with some files changed by `edits`."""
    copy = tmp_path / slug
    shutil.copytree(
        ROOT / "integrations" / slug, copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    for name, edit in edits.items():
        path = copy / name
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return copy


def renamed_attempts(adapter: str) -> str:
    """The adapter with its `_attempts` method renamed: same behaviour, new shape."""
    return re.sub(r"\b_attempts\(", "_tries(", adapter)


def mutant_lines(report: ValidationReport) -> dict[str, str]:
    """`{mutant name: its evidence line}` of the tests_can_fail check."""
    lines = report.check("tests_can_fail").evidence.splitlines()
    return {line[2:].split(" ", 1)[0]: line for line in lines if line.startswith("- ")}


class MutatingPattern(FakePattern):
    """A pattern with its own mutants of the demo adapter."""

    def __init__(self, *mutants: Mutant) -> None:
        super().__init__()
        self._mutants = mutants

    def mutants(self) -> tuple[Mutant, ...]:
        return self._mutants


def replacing(old: str, new: str) -> Callable[[str, Mapping[str, Any]], str]:
    def mutate(source: str, requirements: Mapping[str, Any]) -> str:
        if old not in source:
            raise MutationError(f"no {old!r}")
        return source.replace(old, new)

    return mutate


GREETING_DROPPED = Mutant(
    "greeting_dropped", "no greeting", "a test of the text", replacing("hello ", "")
)
CHECK_DROPPED = Mutant(
    "check_dropped",
    "empty names allowed",
    "a test with an empty name",
    replacing("if not name", "if False"),
)


@slow
@pytest.mark.parametrize("slug", ["github", "stripe"])
def test_golden_packages_catch_every_api_mutant(slug: str) -> None:
    package = ROOT / "integrations" / slug
    before = snapshot(package)
    report = validate_package(package)
    check = report.check("tests_can_fail")
    assert check.passed, check.evidence
    assert check.evidence.splitlines()[0] == "all 4 applicable mutants caught by the tests"
    lines = mutant_lines(report)
    assert list(lines) == list(API_MUTANTS)
    for line in lines.values():
        assert f": caught by test_{slug}_adapter.py::test_" in line
    assert snapshot(package) == before, "mutants only ever touch private copies"


@slow
def test_asserts_that_cannot_fail_let_the_wrong_path_survive(tmp_path: Path) -> None:
    package = golden_copy(tmp_path, "github", {"test_github_adapter.py": weakened})
    report = validate_package(package, check_edits=False)
    assert report.check("tests").passed, "the weakened tests still pass"
    check = report.check("tests_can_fail")
    assert not check.passed
    assert check.evidence.startswith("1 of 4 mutants not caught: wrong_path survived")
    survivor = mutant_lines(report)["wrong_path"]
    assert survivor.startswith("- wrong_path (endpoint paths altered): SURVIVED, the tests ")
    assert survivor.endswith(
        "test_github_adapter.py needs a test per endpoint that checks the path it requests"
    )
    assert not report.passed()


@slow
def test_skipped_request_tests_let_the_wrong_path_survive(tmp_path: Path) -> None:
    tests = (ROOT / "integrations/github/test_github_adapter.py").read_text(encoding="utf-8")
    live = tests.count("\n@pytest.mark.live\n")  # skipped anyway: no credentials in the sandbox
    skipped = len(REQUEST_TEST.findall(tests)) + live
    package = golden_copy(tmp_path, "github", {"test_github_adapter.py": request_tests_skipped})
    report = validate_package(package)
    evidence = report.check("tests").evidence
    assert re.match(rf"pytest: \d+ passed, {skipped} skipped in ", evidence), evidence
    check = report.check("tests_can_fail")
    assert not check.passed
    assert "wrong_path survived" in check.evidence.splitlines()[0]
    assert "SURVIVED" in mutant_lines(report)["wrong_path"]
    assert report.score == 75


@slow
def test_a_restructured_adapter_fails_the_mutant_it_escapes(tmp_path: Path) -> None:
    package = golden_copy(tmp_path, "github", {"github_adapter.py": renamed_attempts})
    report = validate_package(package, check_edits=False)
    assert report.check("tests").passed
    check = report.check("tests_can_fail")
    assert not check.passed
    assert check.evidence.startswith("1 of 4 mutants not caught: retry_disabled cannot be applied")
    assert mutant_lines(report)["retry_disabled"].startswith(
        "- retry_disabled (one attempt per call, never a retry): cannot be applied, "
        "github_adapter.py was restructured: no `_attempts` method decides the attempts per call"
    )
    assert "caught by" in mutant_lines(report)["wrong_path"]


@slow
def test_a_pattern_without_mutants_gets_the_generic_one(make_package: PackageFactory) -> None:
    report = validate_package(make_package(), pattern=FakePattern())
    check = report.check("tests_can_fail")
    assert check.passed, check.evidence
    assert mutant_lines(report)["hollow_adapter"] == (
        "- hollow_adapter (every function of the adapter returns None): "
        "caught by test_demo_adapter.py::test_greet"
    )
    assert "pattern 'api' defines no mutants of its own" in check.evidence


@slow
def test_the_generic_mutant_finds_tests_that_cannot_fail(make_package: PackageFactory) -> None:
    path = make_package({"test_demo_adapter.py": weakened(ONLY_GREETING_TESTED)})
    report = validate_package(path, pattern=FakePattern(), check_edits=False)
    assert report.check("tests").passed
    check = report.check("tests_can_fail")
    assert not check.passed
    assert check.evidence.startswith("1 of 1 mutants not caught: hollow_adapter survived")
    assert "test_demo_adapter.py needs tests that check what" in check.evidence


@slow
def test_each_of_the_patterns_mutants_must_be_caught(make_package: PackageFactory) -> None:
    path = make_package({"test_demo_adapter.py": ONLY_GREETING_TESTED})
    pattern = MutatingPattern(GREETING_DROPPED, CHECK_DROPPED)
    report = validate_package(path, pattern=pattern, check_edits=False)
    lines = mutant_lines(report)
    assert "caught by test_demo_adapter.py::test_greet" in lines["greeting_dropped"]
    assert lines["check_dropped"].startswith("- check_dropped (empty names allowed): SURVIVED")
    assert lines["check_dropped"].endswith("test_demo_adapter.py needs a test with an empty name")
    assert not report.check("tests_can_fail").passed


@slow
def test_mutants_are_not_tried_when_the_tests_already_fail(make_package: PackageFactory) -> None:
    path = make_package({"test_demo_adapter.py": TESTS.replace('"hello x"', '"bye x"')})
    report = validate_package(path, pattern=MutatingPattern(GREETING_DROPPED))
    check = report.check("tests_can_fail")
    assert check.skipped and check.points == 0, "the failure is the tests check's to report"
    assert check.evidence.startswith(
        "skipped: mutants not tried, the tests fail on the unchanged adapter"
    )


@slow
def test_a_package_no_mutant_applies_to_is_not_proven(make_package: PackageFactory) -> None:
    never = Mutant("never", "nothing", "nothing", lambda source, requirements: None)
    report = validate_package(make_package(), pattern=MutatingPattern(never))
    check = report.check("tests_can_fail")
    assert not check.passed
    assert check.evidence.splitlines()[:2] == [
        "no mutant applies to this package, so nothing shows its tests can fail",
        "- never (nothing): does not apply to this package",
    ]


def test_a_quick_run_skips_the_mutants(make_package: PackageFactory) -> None:
    report = validate_package(make_package(), run_tests=False, pattern=FakePattern())
    check = report.check("tests_can_fail")
    assert check.skipped and check.points == 0
    assert "tests not run" in check.evidence


def test_mutant_names_must_be_identifiers() -> None:
    with pytest.raises(ValueError, match="identifier"):
        Mutant("../escape", "x", "y", lambda source, requirements: source)


@slow
def test_a_mutant_the_tests_hang_on_is_caught_when_time_runs_out(
    make_package: PackageFactory, tmp_path: Path
) -> None:
    marker = tmp_path / "hanging.pids"
    tests = HANGS.format(condition='greet("x") is None', marker=str(marker))
    path = make_package({"test_demo_adapter.py": tests})
    report = validate_package(path, pattern=FakePattern(), test_timeout=8.0)
    assert report.check("tests").passed
    assert mutant_lines(report)["hollow_adapter"].endswith(
        "caught (the tests did not finish within 8s)"
    )
    assert all_gone(wait_for(marker)), "what the hanging test started was ended too"


def test_the_mutant_runner_needs_only_the_standard_library_and_pytest() -> None:
    tree = ast.parse(Path(run_mutants.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__", "pytest"}, imported


@pytest.mark.parametrize(
    ("test", "timeout", "expected"),
    [
        ("assert True", 5.0, 0),
        ("assert False", 5.0, 1),
        # long enough for pytest to start, so the sleep is what runs out of time
        ("import time; time.sleep(30)", 2.5, None),
    ],
    ids=["passes", "fails", "hangs"],
)
def test_the_runner_without_fork_runs_each_copy_in_a_fresh_interpreter(
    tmp_path: Path, test: str, timeout: float, expected: int | None
) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "test_it.py").write_text(f"def test_it():\n    {test}\n", encoding="utf-8")
    args = ["-q", "-p", "no:cacheprovider"]
    assert run_mutants._spawned(str(copy), args, timeout=timeout) == expected
    assert (tmp_path / "copy.out").is_file()


def test_the_runner_refuses_arguments_it_cannot_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_mutants.main(["300", "wrong_path"]) == 2
    assert "python run_mutants.py TIMEOUT WORKERS COPY" in capsys.readouterr().err

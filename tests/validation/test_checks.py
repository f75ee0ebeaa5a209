"""Each check passes on a clean package and fails, with evidence, on the fault it targets.

These runs skip the package's test suite (`run_tests=False`); see test_test_checks.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from agentflow.validation import ValidationReport, validate_package

from .packages import ADAPTER, BASE_FILES, FakePattern, PackageFactory


def quick(path: Path, **kwargs: object) -> ValidationReport:
    kwargs.setdefault("pattern", FakePattern())
    return validate_package(path, run_tests=False, **kwargs)  # type: ignore[arg-type]


def test_clean_package_passes_every_check_that_ran(make_package: PackageFactory) -> None:
    report = quick(make_package())
    assert {c.name: c.status for c in report.checks} == {
        "syntax": "passed",
        "import_isolated": "passed",
        "black": "passed",
        "ruff": "passed",
        "pattern_rules": "passed",
        "tests": "skipped",
        "coverage": "skipped",
        "tests_can_fail": "skipped",
        "unedited": "passed",
    }
    assert report.score == 55


def test_syntax_error_is_located(make_package: PackageFactory) -> None:
    broken = ADAPTER + "\ndef oops(:\n    pass\n"
    report = quick(make_package({"demo_adapter.py": broken}))
    syntax = report.check("syntax")
    assert not syntax.passed
    assert syntax.evidence.startswith("1 of 5 Python files do not compile")
    assert syntax.evidence.splitlines()[1] == "demo_adapter.py:16:10: invalid syntax"


def test_compile_errors_beyond_the_parser_fail_syntax(make_package: PackageFactory) -> None:
    late_future = '"""Retry."""\n\nATTEMPTS = 3\nfrom __future__ import annotations\n'
    report = quick(make_package({"demo_utils/retry.py": late_future}))
    syntax = report.check("syntax")
    assert not syntax.passed
    assert syntax.evidence.splitlines()[1].startswith("demo_utils/retry.py:4:")
    assert "from __future__ imports must occur" in syntax.evidence


def test_adapter_importing_agentflow_fails_import_isolated(
    make_package: PackageFactory,
) -> None:
    adapter = (
        ADAPTER.replace(
            "from __future__ import annotations\n",
            "from __future__ import annotations\n\nfrom agentflow.errors import InputError\n",
        )
        + "\n\nERROR = InputError\n"
    )
    report = quick(make_package({"demo_adapter.py": adapter}))
    check = report.check("import_isolated")
    assert not check.passed
    first_line = check.evidence.splitlines()[0]
    assert first_line.startswith("import demo_adapter failed:")
    assert "agentflow" in first_line
    assert report.check("ruff").passed, "the fixture itself must be otherwise clean"


def test_missing_adapter_fails_import_isolated(make_package: PackageFactory) -> None:
    report = quick(make_package({"demo_adapter.py": None}))
    check = report.check("import_isolated")
    assert not check.passed
    assert "No module named 'demo_adapter'" in check.evidence


def test_unformatted_file_fails_black(make_package: PackageFactory) -> None:
    ugly = BASE_FILES["demo_utils/retry.py"].replace("ATTEMPTS = 3", "ATTEMPTS=3")
    report = quick(make_package({"demo_utils/retry.py": ugly}))
    check = report.check("black")
    assert not check.passed
    assert "would reformat demo_utils/retry.py" in check.evidence
    assert report.check("ruff").passed


def test_black_uses_the_package_line_length(make_package: PackageFactory) -> None:
    pyproject = BASE_FILES["pyproject.toml"].replace(
        "[tool.black]\nline-length = 88", "[tool.black]\nline-length = 20"
    )
    report = quick(make_package({"pyproject.toml": pyproject}))
    assert not report.check("black").passed


def test_unused_import_fails_ruff(make_package: PackageFactory) -> None:
    adapter = ADAPTER.replace(
        "from __future__ import annotations\n",
        "from __future__ import annotations\n\nimport os\n",
    )
    report = quick(make_package({"demo_adapter.py": adapter}))
    check = report.check("ruff")
    assert not check.passed
    assert "demo_adapter.py:5:8: F401" in check.evidence
    assert check.evidence.splitlines()[0] == "ruff: Found 1 error."


def test_pattern_sees_every_package_file_but_metadata(make_package: PackageFactory) -> None:
    pattern = FakePattern()
    report = quick(make_package(), pattern=pattern)
    assert report.check("pattern_rules").passed
    assert pattern.seen is not None
    assert sorted(pattern.seen) == sorted(BASE_FILES)
    assert pattern.seen["demo_adapter.py"] == ADAPTER


def test_pattern_problems_fail_pattern_rules(make_package: PackageFactory) -> None:
    pattern = FakePattern(("endpoint 'list' has no test", "hard-coded secret at x.py:3"))
    check = quick(make_package(), pattern=pattern).check("pattern_rules")
    assert not check.passed
    assert check.evidence.splitlines() == [
        "pattern 'api': 2 rule violations",
        "- endpoint 'list' has no test",
        "- hard-coded secret at x.py:3",
    ]


def test_pattern_named_in_metadata_must_be_installed(make_package: PackageFactory) -> None:
    path = make_package(pattern="no-such-pattern")
    check = validate_package(path, run_tests=False).check("pattern_rules")
    assert not check.passed
    assert "no-such-pattern" in check.evidence


class ExplodingPattern:
    def validate(self, generated_code: object) -> list[str]:
        raise RuntimeError("rules are broken")


def test_crashing_check_is_reported_not_raised(make_package: PackageFactory) -> None:
    report = quick(make_package(), pattern=ExplodingPattern())
    check = report.check("pattern_rules")
    assert not check.passed and not check.skipped
    assert check.evidence.startswith("check crashed: RuntimeError: rules are broken")
    assert "in validate" in check.evidence
    assert report.check("unedited").passed, "later checks still run"
    assert report.score == 40


def test_edited_missing_and_added_files(make_package: PackageFactory) -> None:
    path = make_package()
    (path / "config.yaml").write_text("base_url: https://elsewhere\n", encoding="utf-8")
    (path / "DEMO_INTEGRATION.md").unlink()
    (path / "NOTES.md").write_text("mine\n", encoding="utf-8")
    check = quick(path).check("unedited")
    assert not check.passed
    assert check.evidence.splitlines() == [
        "2 of 8 recorded files differ from metadata.json",
        "edited: config.yaml",
        "missing: DEMO_INTEGRATION.md",
        "added (not scored): NOTES.md",
    ]


def test_added_files_alone_do_not_fail_unedited(make_package: PackageFactory) -> None:
    path = make_package()
    (path / "NOTES.md").write_text("mine\n", encoding="utf-8")
    check = quick(path).check("unedited")
    assert check.passed
    assert "added (not scored): NOTES.md" in check.evidence


def test_recorded_path_outside_the_package_fails_unedited(
    make_package: PackageFactory,
) -> None:
    path = make_package()
    metadata = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    metadata["files"]["../outside.txt"] = {"sha256": "0" * 64}
    (path / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    check = quick(path).check("unedited")
    assert not check.passed
    assert "outside the package: ../outside.txt" in check.evidence


def test_malformed_file_table_fails_unedited(make_package: PackageFactory) -> None:
    path = make_package()
    metadata = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    metadata["files"] = ["demo_adapter.py"]
    (path / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    check = quick(path).check("unedited")
    assert not check.passed
    assert "'files' must map each path" in check.evidence


def test_check_edits_false_skips_unedited(make_package: PackageFactory) -> None:
    path = make_package()
    (path / "config.yaml").write_text("edited\n", encoding="utf-8")
    report = quick(path, check_edits=False)
    check = report.check("unedited")
    assert check.skipped and check.points == 0
    assert check.evidence.startswith("skipped:")
    assert report.score == 45


def test_quick_run_lists_the_test_checks_as_skipped(make_package: PackageFactory) -> None:
    report = quick(make_package())
    for name in ("tests", "coverage", "tests_can_fail"):
        check = report.check(name)
        assert check.skipped and not check.passed
        assert "tests not run" in check.evidence


def test_tool_caches_are_not_package_files(make_package: PackageFactory) -> None:
    path = make_package()
    for cache in ("__pycache__", ".ruff_cache", "demo_utils/__pycache__", "x.egg-info"):
        (path / cache).mkdir(parents=True)
        (path / cache / "junk.py").write_text("this is not python(\n", encoding="utf-8")
    report = quick(path)
    assert report.check("syntax").passed
    assert "added" not in report.check("unedited").evidence

"""The command line: exit codes, messages, JSON output and what reaches the disk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from agentflow.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write_spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
service: Demo
requirements:
  base_url: https://api.demo.example
  endpoints:
    - {method: GET, path: /things}
"""


def test_help_and_version() -> None:
    assert "integrate" in run("--help").output
    assert "create" in run("integrate", "--help").output
    assert "0.1.0" in run("--version").output


def test_create_writes_the_package_then_an_identical_run_writes_nothing(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL)
    out = tmp_path / "out"
    first = run("integrate", "create", str(spec), "--output-dir", str(out), "--no-validate")
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    assert (out / "demo" / "demo_adapter.py").is_file()
    assert (out / "demo" / "demo_utils" / "retry.py").is_file()
    second = run("integrate", "create", str(spec), "--output-dir", str(out), "--no-validate")
    assert second.exit_code == 0
    assert "unchanged" in second.output


def test_changed_requirements_need_force(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL)
    out = tmp_path / "out"
    run("integrate", "create", str(spec), "--output-dir", str(out), "--no-validate")
    write_spec(tmp_path, MINIMAL + "    - {method: GET, path: /others}\n")
    refused = run("integrate", "create", str(spec), "--output-dir", str(out), "--no-validate")
    assert refused.exit_code == 2
    assert "--force" in refused.output
    assert "def get_others" not in (out / "demo" / "demo_adapter.py").read_text()
    forced = run(
        "integrate", "create", str(spec), "--output-dir", str(out), "--no-validate", "--force"
    )
    assert forced.exit_code == 0, forced.output
    assert "def get_others" in (out / "demo" / "demo_adapter.py").read_text()


def test_dry_run_writes_nothing_and_lists_files(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL)
    result = run(
        "integrate",
        "create",
        str(spec),
        "--output-dir",
        str(tmp_path / "out"),
        "--dry-run",
        "--no-validate",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "dry-run"
    assert data["files"]["demo_adapter.py"] == "new"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("- a\n- b\n", "mapping"),
        ("service: Demo\nrequirments: {}\n", "did you mean 'requirements'"),
        ("service: Demo\n\trequirements: {}\n", "tab"),
        (MINIMAL.replace("base_url", "base_ur"), "did you mean 'base_url'"),
        (MINIMAL.replace("https://api.demo.example", "not a url"), "not an absolute http(s) URL"),
        (MINIMAL + "    - {method: GET, path: /things}\n", "duplicate endpoint"),
        (MINIMAL.replace("Demo", '"Demo\\0"'), "NUL"),
        ("service: Demo\ntype: blockchain\nrequirements: {}\n", "unknown type 'blockchain'"),
        ("a: &a [1]\nb: !!python/object/apply:os.system ['touch PWNED']\n", "tag"),
    ],
)
def test_bad_input_exits_2_with_a_located_message_and_writes_nothing(
    tmp_path: Path, text: str, expected: str
) -> None:
    spec = write_spec(tmp_path, text)
    result = run("integrate", "create", str(spec), "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert expected.lower() in result.output.lower()
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "PWNED").exists()


def test_missing_file_and_bad_option_are_usage_errors(tmp_path: Path) -> None:
    missing = run("integrate", "create", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2
    assert "nope.yaml" in missing.output
    assert run("integrate", "create", "--bogus").exit_code == 2


def test_errors_as_json_carry_diagnostics(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL.replace("base_url", "base_ur"))
    result = run("integrate", "create", str(spec), "--json")
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert error["type"] == "SpecError"
    diagnostic = error["diagnostics"][0]
    assert diagnostic["line"] == 3
    assert diagnostic["hint"] == "did you mean 'base_url'?"


def test_patterns_not_yet_generating_say_so(tmp_path: Path) -> None:
    result = run(
        "integrate", "create", str(EXAMPLES / "postgres.yaml"), "--output-dir", str(tmp_path)
    )
    assert result.exit_code == 2
    assert "cannot generate packages yet" in result.output
    assert list(tmp_path.iterdir()) == []


def test_near_tie_asks_for_type(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        "service: Both\nrequirements:\n  connection_string: postgresql://db/x\n"
        "  broker_url: amqp://mq/\n  tables: [orders]\n  queues: [jobs]\n",
    )
    result = run("integrate", "create", str(spec), "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "type:" in result.output
    assert "database=" in result.output and "message_queue=" in result.output


def test_service_name_cannot_escape_the_output_directory(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL.replace("service: Demo", 'service: "../../../evil"'))
    out = tmp_path / "deep" / "out"
    result = run("integrate", "create", str(spec), "--output-dir", str(out), "--no-validate")
    assert result.exit_code == 0, result.output
    assert (out / "evil" / "evil_adapter.py").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "spec.yaml"]


def test_patterns_lists_six_and_explains_with_json() -> None:
    listing = run("integrate", "patterns", "--json")
    names = [p["name"] for p in json.loads(listing.output)]
    assert {"api", "database", "message_queue", "file_storage", "auth", "monitoring"} <= set(names)
    explained = run("integrate", "patterns", "--explain", str(EXAMPLES / "github.yaml"), "--json")
    assert explained.exit_code == 0
    scores = json.loads(explained.output)
    assert scores[0]["name"] == "api"
    assert scores[0]["reasons"]
    assert {"name", "score", "reasons"} == set(scores[0])


@pytest.mark.slow
def test_create_validates_and_validate_gates_on_edits(tmp_path: Path) -> None:
    out = tmp_path / "out"
    created = run(
        "integrate", "create", str(EXAMPLES / "github.yaml"), "--output-dir", str(out), "--json"
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["validation"]["score"] == 100
    package = out / "github"
    report = run("integrate", "validate", str(package), "--json")
    assert report.exit_code == 0, report.output
    data = json.loads(report.output)["packages"][0]
    assert data["score"] == 100
    assert {c["name"] for c in data["checks"]} >= {"syntax", "tests", "coverage", "unedited"}

    adapter = package / "github_adapter.py"
    adapter.write_text(adapter.read_text() + "\n# edited by hand\n")
    junit = tmp_path / "report.xml"
    edited = run("integrate", "validate", str(package), "--min-score", "95", "--junit", str(junit))
    assert edited.exit_code == 1
    assert "unedited" in edited.output
    assert "<testsuite" in junit.read_text()


def test_validate_rejects_a_directory_without_metadata(tmp_path: Path) -> None:
    result = run("integrate", "validate", str(tmp_path))
    assert result.exit_code == 2
    assert "metadata.json" in result.output
    shutil.rmtree(tmp_path, ignore_errors=True)

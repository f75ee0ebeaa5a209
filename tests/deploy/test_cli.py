"""The deploy, rollback and deployments commands: output, JSON and exit codes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from agentflow.cli import main
from agentflow.deploy import STATE_DIR, parse_target
from agentflow.deploy.history import target_lock

from .conftest import PackageMaker

pytestmark = pytest.mark.usefixtures("validation_score", "cached_builds")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["integrate", *args])
    return result.exit_code, result.output


def test_the_commands_are_listed() -> None:
    code, output = run("--help")
    assert code == 0
    for command in ("deploy", "rollback", "deployments"):
        assert command in output


def test_deploy_list_and_rollback_as_json(make_package: PackageMaker, tmp_path: Path) -> None:
    target = f"dist:{tmp_path / 'dist'}"
    code, output = run("deploy", str(make_package()), "--target", target, "--json")
    assert code == 0, output
    deployed = json.loads(output)
    assert (deployed["status"], deployed["version"], deployed["forced"]) == (
        "deployed",
        "0.1.0",
        False,
    )
    assert deployed["validation"]["score"] == 100.0
    assert run("deploy", str(make_package("0.2.0")), "--target", target)[0] == 0
    code, output = run("rollback", "github-integration", "--target", target, "--json")
    assert code == 0, output
    assert json.loads(output)["status"] == "rolled-back"
    code, output = run("deployments", "--target", target, "--json")
    listed = json.loads(output)["deployments"]
    assert [(r["action"], r["version"]) for r in listed] == [
        ("deploy", "0.1.0"),
        ("deploy", "0.2.0"),
        ("rollback", "0.1.0"),
    ]


def test_text_output_says_what_happened(make_package: PackageMaker, tmp_path: Path) -> None:
    target = f"index:{tmp_path / 'simple'}"
    code, output = run("deploy", str(make_package()), "--target", target, "--dry-run")
    assert code == 0
    assert "would deploy github-integration 0.1.0 to index:" in output
    assert "nothing was written (dry run)" in output
    assert not (tmp_path / "simple").exists()
    assert (
        "deployed github-integration 0.1.0"
        in run("deploy", str(make_package()), "--target", target)[1]
    )
    code, output = run("deploy", str(make_package()), "--target", target)
    assert code == 0 and "already live" in output and "nothing changed" in output
    code, output = run("deployments", "--target", target)
    assert "deploy" in output and "github-integration  0.1.0  score 100" in output
    code, output = run("rollback", "github", "--target", target)
    assert code == 1 and "error: nothing to roll back to" in output


def test_the_gate_fails_with_exit_1_and_force_is_reported(
    make_package: PackageMaker, tmp_path: Path, validation_score: Callable[[float], None]
) -> None:
    validation_score(50.0)
    target = f"dist:{tmp_path / 'dist'}"
    code, output = run("deploy", str(make_package()), "--target", target, "--json")
    assert code == 1
    assert json.loads(output)["error"]["type"] == "ValidationFailed"
    assert not (tmp_path / "dist").exists()
    code, output = run("deploy", str(make_package()), "--target", target, "--force")
    assert code == 0
    assert "forced: deploying although validation scored 50, below the minimum 90" in output
    assert "(forced)" in run("deployments", "--target", target)[1]


def test_a_version_conflict_fails_with_exit_1(make_package: PackageMaker, tmp_path: Path) -> None:
    target = f"dist:{tmp_path / 'dist'}"
    run("deploy", str(make_package()), "--target", target)
    code, output = run("deploy", str(make_package(description="Other")), "--target", target)
    assert code == 1 and "already deployed" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--target", "ftp:somewhere"), "unknown target kind 'ftp'"),
        (("--target", "project:{tmp}", "--into", "../out"), "inside the project"),
        (("--target", "dist:{tmp}/d", "--into", "vendor"), "only to project targets"),
    ],
)
def test_bad_targets_exit_2(
    make_package: PackageMaker, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    formatted = [a.format(tmp=tmp_path) for a in args]
    code, output = run("deploy", str(make_package()), *formatted)
    assert code == 2
    assert message in output


def test_a_missing_package_exits_2(tmp_path: Path) -> None:
    code, output = run("deploy", str(tmp_path / "nope"), "--target", f"dist:{tmp_path}/d", "--json")
    assert code == 2
    assert "is not a directory" in json.loads(output)["error"]["message"]


def test_project_deploys_name_the_copied_folder(make_package: PackageMaker, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    target = ("--target", f"project:{tmp_path / 'app'}", "--into", "src/vendor")
    code, output = run("deploy", str(make_package()), *target)
    assert code == 0, output
    assert str(tmp_path / "app" / "src" / "vendor" / "github") in output
    code, output = run("deployments", "--target", f"project:{tmp_path / 'app'}", "--json")
    assert json.loads(output)["deployments"][0]["place"] == "src/vendor/github"


def test_a_held_lock_times_out_with_a_clear_error(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    target = parse_target(f"dist:{tmp_path / 'dist'}")
    with target_lock(target, timeout=1):
        code, output = run(
            "deploy",
            str(make_package()),
            "--target",
            f"dist:{target.root}",
            "--lock-timeout",
            "0.2",
        )
    assert code == 1
    assert "error: another deploy to dist:" in output and "try again when it has finished" in output
    assert [p.name for p in target.root.iterdir()] == [".agentflow-deploy"]


def _no_traceback(code: int, output: str, expected: int) -> None:
    assert code == expected, output
    assert output.startswith("error: ") and "Traceback" not in output


def test_a_target_under_a_regular_file_exits_2(make_package: PackageMaker, tmp_path: Path) -> None:
    (tmp_path / "somefile").write_text("x")
    code, output = run("deploy", str(make_package()), "--target", f"dist:{tmp_path}/somefile/x")
    _no_traceback(code, output, 2)
    assert f"{tmp_path / 'somefile'} is not a directory" in output


def test_rollback_after_the_store_lost_a_version_exits_1(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    target = f"dist:{tmp_path / 'dist'}"
    for version in ("0.1.0", "0.2.0"):
        assert run("deploy", str(make_package(version)), "--target", target)[0] == 0
    stored = tmp_path / "dist" / STATE_DIR / "store" / "github-integration" / "0.1.0"
    shutil.rmtree(stored)
    code, output = run("rollback", "github", "--target", target)
    _no_traceback(code, output, 1)
    assert f"has lost github-integration 0.1.0 ({stored} is missing)" in output


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("artifacts", None, "artifacts: Input should be an object"),
        ("artifacts", "github_integration-0.1.0.tar.gz", "artifacts: Input should be an object"),
        ("score", "high", "score: Input should be a valid number"),
        ("forced", None, "forced: Input should be a valid boolean"),
        ("version", 1, "version: Input should be a valid string"),
    ],
)
def test_a_history_record_of_the_wrong_type_exits_1_naming_file_record_and_field(
    make_package: PackageMaker, tmp_path: Path, field: str, value: object, problem: str
) -> None:
    target = f"dist:{tmp_path / 'dist'}"
    run("deploy", str(make_package()), "--target", target)
    history = tmp_path / "dist" / STATE_DIR / "history.json"
    data = json.loads(history.read_text())
    data["records"][0][field] = value
    history.write_text(json.dumps(data))
    for args in (
        ("deploy", str(make_package("0.2.0")), "--target", target),
        ("rollback", "github", "--target", target),
        ("deployments", "--target", target),
    ):
        code, output = run(*args)
        _no_traceback(code, output, 1)
        assert f"the deployment history {history} is invalid: record 1: {problem}" in output

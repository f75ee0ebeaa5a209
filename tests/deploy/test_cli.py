"""The deploy, rollback and deployments commands: output, JSON and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from agentflow.cli import main
from agentflow.deploy import parse_target
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

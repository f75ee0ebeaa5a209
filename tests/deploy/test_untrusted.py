"""The target's history and store are untrusted: crafted records and tampered or missing stored
files are refused before anything changes, and project places are checked again under the lock."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import agentflow.deploy.core as core
from agentflow.deploy import STATE_DIR, deploy_package, list_deployments, parse_target, rollback
from agentflow.deploy.history import HISTORY_FILE, target_lock
from agentflow.errors import DeployError, TargetError

from .conftest import PackageMaker, sha256_file, snapshot

pytestmark = pytest.mark.usefixtures("validation_score", "cached_builds")

WHEEL_1 = "github_integration-0.1.0-py3-none-any.whl"
STORE = Path(STATE_DIR) / "store" / "github-integration"


def _edit_history(root: Path, edit: Callable[[list[dict[str, Any]]], None]) -> None:
    path = root / STATE_DIR / HISTORY_FILE
    data = json.loads(path.read_text())
    edit(data["records"])
    path.write_text(json.dumps(data))


def _project(tmp_path: Path) -> tuple[Path, str]:
    (tmp_path / "app").mkdir()
    return tmp_path / "app", f"project:{tmp_path / 'app'}"


def test_a_crafted_artifact_name_never_deletes_outside_the_target(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    root = tmp_path / "dist"
    deploy_package(make_package(), f"dist:{root}")

    def point_outside(records: list[dict[str, Any]]) -> None:
        records[0]["artifacts"]["../victim.txt"] = records[0]["artifacts"].pop(WHEEL_1)

    _edit_history(root, point_outside)
    before = snapshot(root)
    with pytest.raises(DeployError, match=r"record 1: artifacts: '\.\./victim\.txt' is not a"):
        deploy_package(make_package("0.2.0"), f"dist:{root}")
    assert victim.read_text() == "precious"
    assert snapshot(root) == before


def test_a_crafted_artifact_name_never_lets_rollback_write_outside_the_target(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    root = tmp_path / "out" / "dist"
    deploy_package(make_package(), f"dist:{root}")
    deploy_package(make_package("0.2.0"), f"dist:{root}")
    payload = b"planted"
    (root / STATE_DIR / "store" / "planted.txt").write_bytes(payload)

    def plant(records: list[dict[str, Any]]) -> None:
        records[0]["artifacts"] = {"../../planted.txt": hashlib.sha256(payload).hexdigest()}

    _edit_history(root, plant)
    before = snapshot(tmp_path)
    with pytest.raises(DeployError, match=r"record 1: artifacts: '\.\./\.\./planted\.txt' is not"):
        rollback("github", f"dist:{root}")
    assert not (tmp_path / "planted.txt").exists()
    assert snapshot(tmp_path) == before


def test_a_crafted_place_never_lets_rollback_replace_the_project(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    project, target_text = _project(tmp_path)
    (project / "main.py").write_text("print('app')\n")
    target = parse_target(target_text, into="vendor")
    deploy_package(make_package(), target)
    deploy_package(make_package("0.2.0"), target)

    def aim_at_the_project(records: list[dict[str, Any]]) -> None:
        records[0]["place"] = "vendor/.."  # its parent is still the --into folder

    _edit_history(project, aim_at_the_project)
    before = snapshot(tmp_path)
    with pytest.raises(DeployError, match="record 1: place: 'vendor/..' is not a plain relative"):
        rollback("github", target)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["dist", "index"])
def test_rollback_refuses_a_tampered_stored_artifact(
    make_package: PackageMaker, tmp_path: Path, kind: str
) -> None:
    root = tmp_path / kind
    deploy_package(make_package(), f"{kind}:{root}")
    deploy_package(make_package("0.2.0"), f"{kind}:{root}")
    (root / STORE / "0.1.0" / WHEEL_1).write_bytes(b"PK tampered wheel")
    before = snapshot(root)
    with pytest.raises(DeployError, match=f"{WHEEL_1} does not hold the bytes recorded"):
        rollback("github", f"{kind}:{root}")
    assert snapshot(root) == before
    assert [r.action for r in list_deployments(f"{kind}:{root}")] == ["deploy", "deploy"]


def test_an_index_never_lists_a_tampered_older_version(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    root = tmp_path / "simple"
    deploy_package(make_package(), f"index:{root}")
    (root / STORE / "0.1.0" / WHEEL_1).write_bytes(b"PK tampered wheel")
    before = snapshot(root)
    with pytest.raises(DeployError, match="the store was changed outside agentflow"):
        deploy_package(make_package("0.2.0"), f"index:{root}")
    assert snapshot(root) == before


def test_redeploying_a_stored_version_checks_the_stored_bytes(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    root = tmp_path / "dist"
    deploy_package(make_package(), f"dist:{root}")
    deploy_package(make_package("0.2.0"), f"dist:{root}")
    rollback("github", f"dist:{root}")
    wheel_2 = root / STORE / "0.2.0" / "github_integration-0.2.0-py3-none-any.whl"
    wheel_2.write_bytes(b"PK tampered wheel")
    before = snapshot(root)
    with pytest.raises(DeployError, match="does not hold the bytes recorded for"):
        deploy_package(make_package("0.2.0"), f"dist:{root}")
    assert snapshot(root) == before


def test_rollback_refuses_a_tampered_project_copy_and_never_ships_planted_hidden_files(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    project, target_text = _project(tmp_path)
    target = parse_target(target_text, into="vendor")
    deploy_package(make_package(), target)
    deploy_package(make_package("0.2.0"), target)
    stored = project / STORE / "0.1.0" / "package"
    (stored / ".pth-hook.py").write_text("import os\n")  # not part of what ships
    adapter = stored / "github_adapter.py"
    original = adapter.read_bytes()
    adapter.write_bytes(original + b"\n# tampered\n")
    before = snapshot(project)
    with pytest.raises(DeployError, match="package does not hold the bytes recorded"):
        rollback("github", target)
    assert snapshot(project) == before
    adapter.write_bytes(original)
    rollback("github", target)
    placed = project / "vendor" / "github"
    assert 'version = "0.1.0"' in (placed / "pyproject.toml").read_text()
    assert not (placed / ".pth-hook.py").exists()


def test_a_symlink_swapped_in_while_waiting_for_the_lock_is_refused(
    make_package: PackageMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, target_text = _project(tmp_path)
    (project / "vendor").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = parse_target(target_text, into="vendor")  # checked here: no symlink yet

    @contextlib.contextmanager
    def swapped_while_waiting(*args: Any, **kwargs: Any) -> Iterator[None]:
        (project / "vendor").rmdir()
        (project / "vendor").symlink_to(elsewhere)
        with target_lock(*args, **kwargs):
            yield

    monkeypatch.setattr(core, "target_lock", swapped_while_waiting)
    with pytest.raises(TargetError, match="refusing to deploy through the symlink .*vendor"):
        deploy_package(make_package(), target)
    assert list(elsewhere.iterdir()) == []
    assert list_deployments(target) == []


def test_deploying_an_older_version_is_not_reported_as_a_rollback(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    root = tmp_path / "simple"
    deploy_package(make_package("0.2.0"), f"index:{root}")
    deploy_package(make_package("0.1.0"), f"index:{root}")
    assert [r.action for r in list_deployments(f"index:{root}")] == ["deploy", "deploy"]
    page = (root / "github-integration" / "index.html").read_text()
    assert page.count('data-yanked="superseded by 0.1.0"') == 2
    assert "rolled back" not in page
    wheel_1 = root / "github-integration" / WHEEL_1
    assert f'href="{WHEEL_1}#sha256={sha256_file(wheel_1)}">' in page  # live, not yanked
    rollback("github", f"index:{root}")  # 0.2.0 is live again: nothing above it to yank
    assert "data-yanked" not in (root / "github-integration" / "index.html").read_text()

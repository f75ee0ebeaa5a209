"""The history file (untrusted: every record is checked), which version is live, and the lock."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
import threading
from pathlib import Path

import pytest

from agentflow.deploy import DeploymentRecord, Target
from agentflow.deploy.history import (
    HISTORY_FILE,
    live_versions,
    matches,
    read_history,
    target_lock,
    write_history,
)
from agentflow.errors import DeployError, DeployLockTimeout


def record(
    version: str, action: str = "deploy", name: str = "github-integration"
) -> DeploymentRecord:
    return DeploymentRecord(
        action=action,
        name=name,
        slug="github",
        version=version,
        content_sha256=hashlib.sha256(version.encode()).hexdigest(),
        artifacts={f"github_integration-{version}.tar.gz": "0" * 64},
        target="dist:/x",
        place=None,
        deployed_at="2026-01-01T00:00:00Z",
        score=100.0,
        min_score=90.0,
        forced=False,
    )


def test_deploys_push_and_rollbacks_pop_the_live_version() -> None:
    history = [record("1"), record("2"), record("3"), record("2", "rollback")]
    assert [r.version for r in live_versions(history)] == ["1", "2"]
    history += [record("1", "rollback"), record("4")]
    assert [r.version for r in live_versions(history)] == ["1", "4"]


def test_records_match_by_distribution_name_or_slug() -> None:
    target = Target("dist", Path("/x"))
    assert matches(record("1"), "Github_Integration", target)
    assert matches(record("1"), "github", target)
    assert not matches(record("1"), "stripe", target)


def test_history_round_trips_and_is_replaced_without_leftovers(tmp_path: Path) -> None:
    target = Target("dist", tmp_path)
    assert read_history(target) == []
    target.state_dir.mkdir()
    write_history(target, [record("1"), record("2")])
    write_history(target, [record("1"), record("2"), record("1", "rollback")])
    assert [r.action for r in read_history(target)] == ["deploy", "deploy", "rollback"]
    assert sorted(p.name for p in target.state_dir.iterdir()) == [HISTORY_FILE]


def test_a_corrupt_history_is_a_clear_error(tmp_path: Path) -> None:
    target = Target("dist", tmp_path)
    target.state_dir.mkdir()
    (target.state_dir / HISTORY_FILE).write_text("{not json")
    with pytest.raises(DeployError, match="history .* is invalid: Invalid JSON"):
        read_history(target)


def _write_records(target: Target, records: object) -> Path:
    target.state_dir.mkdir(exist_ok=True)
    path = target.state_dir / HISTORY_FILE
    path.write_text(json.dumps({"version": 1, "records": records}), encoding="utf-8")
    return path


def _valid(**changes: object) -> dict[str, object]:
    return {**record("0.1.0").to_dict(), **changes}


PROJECT = {"artifacts": {}, "place": "vendor/github"}
SHA = "0" * 64


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"artifacts": None}, "artifacts: Input should be an object"),
        ({"artifacts": ["x.whl"]}, "artifacts: Input should be an object"),
        ({"artifacts": {"../victim.txt": SHA}}, "'../victim.txt' is not a plain file name"),
        ({"artifacts": {"/etc/passwd": SHA}}, "is not a plain file name"),
        ({"artifacts": {"a\\b.whl": SHA}}, "is not a plain file name"),
        ({"artifacts": {"a\u0000.whl": SHA}}, "is not a plain file name"),
        ({"artifacts": {".github_integration-0.1.0.tar.gz": SHA}}, "is not a plain file name"),
        ({"artifacts": {"index.html": SHA}}, "'index.html' is not a wheel or sdist of"),
        ({"artifacts": {"other-0.1.0.tar.gz": SHA}}, "is not a wheel or sdist of"),
        ({"artifacts": {"github_integration-0.1.0.tar.gz": "00"}}, "not a hex SHA-256"),
        ({**PROJECT, "place": "../../planted/github"}, "place: '../../planted/github' is not"),
        ({**PROJECT, "place": "/abs/github"}, "is not a plain relative path"),
        ({**PROJECT, "place": ".agentflow-deploy/github"}, "inside agentflow's own"),
        ({**PROJECT, "place": "vendor/other"}, "does not end in the slug 'github'"),
        ({"place": "vendor/github"}, "either artifacts (dist, index) or a place"),
        ({"name": "../x"}, "name: '../x' is not a distribution name"),
        ({"slug": "git-hub"}, "slug: 'git-hub' is not a package slug"),
        ({"version": "../../0.1.0"}, "version: '../../0.1.0' is not a version"),
        ({"previous_version": "latest"}, "previous_version: 'latest' is not a version"),
        ({"content_sha256": "sha-1"}, "content_sha256: not a hex SHA-256"),
        ({"action": "delete"}, "action: Input should be 'deploy' or 'rollback'"),
        ({"deployed_at": "yesterday"}, "deployed_at: 'yesterday' is not a UTC time"),
        ({"score": "100"}, "score: Input should be a valid number"),
        ({"score": 250.0}, "score: Input should be less than or equal to 100"),
        ({"forced": "yes"}, "forced: Input should be a valid boolean"),
        ({"surprise": 1}, "surprise: Unexpected keyword argument"),
    ],
)
def test_a_malformed_record_is_refused_naming_the_file_record_and_field(
    tmp_path: Path, changes: dict[str, object], problem: str
) -> None:
    target = Target("dist", tmp_path)
    path = _write_records(target, [record("0.0.9").to_dict(), _valid(**changes)])
    with pytest.raises(DeployError) as caught:
        read_history(target)
    assert str(caught.value).startswith(f"the deployment history {path} is invalid: record 2: ")
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("records", "problem"),
    [("not a list", "records: Input should be a valid array"), ([3], "record 1: Input should")],
)
def test_a_history_of_the_wrong_shape_is_refused(
    tmp_path: Path, records: object, problem: str
) -> None:
    target = Target("dist", tmp_path)
    _write_records(target, records)
    with pytest.raises(DeployError, match=re.escape(problem)):
        read_history(target)


def test_a_valid_record_is_read_back_exactly(tmp_path: Path) -> None:
    target = Target("dist", tmp_path)
    project = dataclasses.replace(
        record("0.1.0"), artifacts={}, place="vendor/github", target="project:/app"
    )
    _write_records(target, [record("0.1.0").to_dict(), project.to_dict()])
    assert read_history(target) == [record("0.1.0"), project]


def test_history_is_created_like_an_ordinary_file(tmp_path: Path) -> None:
    target = Target("dist", tmp_path)
    target.state_dir.mkdir()
    previous = os.umask(0o027)
    try:
        write_history(target, [record("1.0")])
    finally:
        os.umask(previous)
    assert stat.S_IMODE((target.state_dir / HISTORY_FILE).stat().st_mode) == 0o640


def test_a_held_lock_makes_a_second_deploy_time_out(tmp_path: Path) -> None:
    target = Target("dist", tmp_path / "out")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with target_lock(target, timeout=5):
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)
    try:
        with (
            pytest.raises(DeployLockTimeout, match="another deploy .* held its lock"),
            target_lock(target, timeout=0.2),
        ):
            pass  # pragma: no cover - the lock is held
    finally:
        release.set()
        holder.join()
    with target_lock(target, timeout=0.2):
        pass  # free again once the holder has finished

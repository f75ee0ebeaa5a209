"""The history file, which version is live, and the lock that serialises deploys."""

from __future__ import annotations

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
        content_sha256=f"sha-{version}",
        artifacts={f"a-{version}.whl": "00"},
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
    with pytest.raises(DeployError, match="history .* is unreadable"):
        read_history(target)


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

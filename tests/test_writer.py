"""The write stage: containment, atomic replacement, unchanged regeneration, hand edits."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from agentflow.errors import OutputError
from agentflow.pristine import PRISTINE_DIR, STORE_DIR, read_pristine
from agentflow.writer import (
    METADATA_FILE,
    edited_files,
    planned_changes,
    present_files,
    safe_relative_path,
    sha256_text,
    write_package,
)


def package_files(adapter: str = "x = 1\n", duration: float = 0.5) -> dict[str, str]:
    files = {"demo_adapter.py": adapter, "sub/helper.py": "y = 2\n"}
    metadata = {
        "files": {name: {"sha256": sha256_text(text)} for name, text in files.items()},
        "build_metrics": {"duration_seconds": duration},
    }
    return {**files, METADATA_FILE: json.dumps(metadata)}


@pytest.mark.parametrize(
    "name",
    ["", "/etc/passwd", "../escape.py", "a/../../b", "a\\b", "a\0b", "./a", "a//b", "a/."],
)
def test_unsafe_paths_are_refused(name: str) -> None:
    with pytest.raises(OutputError, match="not a plain path"):
        safe_relative_path(name)


def test_nothing_is_written_when_any_path_is_unsafe(tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        write_package({"ok.py": "", "../evil.py": ""}, tmp_path / "pkg")
    assert list(tmp_path.iterdir()) == []


def test_creates_package_and_leaves_no_staging_directory(tmp_path: Path) -> None:
    outcome = write_package(package_files(), tmp_path / "pkg")
    assert outcome.status == "created"
    assert (tmp_path / "pkg" / "sub" / "helper.py").read_text() == "y = 2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["pkg"]


def test_identical_regeneration_writes_nothing(tmp_path: Path) -> None:
    write_package(package_files(duration=0.5), tmp_path / "pkg")
    before = (tmp_path / "pkg" / METADATA_FILE).stat().st_mtime_ns
    outcome = write_package(package_files(duration=9.9), tmp_path / "pkg")
    assert outcome.status == "unchanged"
    assert (tmp_path / "pkg" / METADATA_FILE).stat().st_mtime_ns == before


def test_changed_package_needs_force(tmp_path: Path) -> None:
    write_package(package_files(), tmp_path / "pkg")
    with pytest.raises(OutputError, match="--force"):
        write_package(package_files(adapter="x = 2\n"), tmp_path / "pkg")
    assert (tmp_path / "pkg" / "demo_adapter.py").read_text() == "x = 1\n"
    outcome = write_package(package_files(adapter="x = 2\n"), tmp_path / "pkg", force=True)
    assert outcome.status == "replaced"
    assert (tmp_path / "pkg" / "demo_adapter.py").read_text() == "x = 2\n"


def test_force_refuses_hand_edits_and_points_to_update(tmp_path: Path) -> None:
    write_package(package_files(), tmp_path / "pkg")
    (tmp_path / "pkg" / "demo_adapter.py").write_text("x = 'edited'\n")
    assert edited_files(tmp_path / "pkg") == ("demo_adapter.py",)
    with pytest.raises(OutputError, match=r"edited by hand \(demo_adapter.py\).*integrate update"):
        write_package(package_files(adapter="x = 3\n"), tmp_path / "pkg", force=True)
    assert (tmp_path / "pkg" / "demo_adapter.py").read_text() == "x = 'edited'\n"


def test_force_replaces_an_unedited_package_and_keeps_user_files(tmp_path: Path) -> None:
    write_package(package_files(), tmp_path / "pkg")
    (tmp_path / "pkg" / "notes.txt").write_text("mine")
    outcome = write_package(package_files(adapter="x = 3\n"), tmp_path / "pkg", force=True)
    assert outcome.status == "replaced"
    assert (tmp_path / "pkg" / "demo_adapter.py").read_text() == "x = 3\n"
    assert (tmp_path / "pkg" / "notes.txt").read_text() == "mine"


def test_every_write_keeps_the_generation_in_the_pristine_store(tmp_path: Path) -> None:
    write_package(package_files(), tmp_path / "pkg")
    store = tmp_path / "pkg" / PRISTINE_DIR
    assert read_pristine(tmp_path / "pkg") == {
        "demo_adapter.py": "x = 1\n",
        "sub/helper.py": "y = 2\n",
    }
    write_package(package_files(adapter="x = 3\n"), tmp_path / "pkg", force=True)
    assert (store / "demo_adapter.py").read_text() == "x = 3\n"
    assert not (store / METADATA_FILE).exists()


def test_a_missing_store_is_restored_without_force(tmp_path: Path) -> None:
    write_package(package_files(), tmp_path / "pkg")
    shutil.rmtree(tmp_path / "pkg" / STORE_DIR)
    outcome = write_package(package_files(duration=2.0), tmp_path / "pkg")
    assert outcome.status == "replaced"
    assert read_pristine(tmp_path / "pkg") is not None
    assert write_package(package_files(), tmp_path / "pkg").status == "unchanged"


def test_store_files_are_neither_user_files_nor_planned_changes(tmp_path: Path) -> None:
    write_package(package_files(), tmp_path / "pkg")
    (tmp_path / "pkg" / "notes.txt").write_text("mine")
    assert present_files(tmp_path / "pkg") == {
        "demo_adapter.py",
        "sub/helper.py",
        METADATA_FILE,
        "notes.txt",
    }
    assert set(planned_changes(package_files(), tmp_path / "pkg")) == set(package_files())


def test_refuses_to_replace_a_directory_that_is_not_a_package(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "important.txt").write_text("keep me")
    with pytest.raises(OutputError, match="not a generated package"):
        write_package(package_files(), tmp_path / "pkg", force=True)
    assert (tmp_path / "pkg" / "important.txt").read_text() == "keep me"


def test_refuses_to_write_through_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    with pytest.raises(OutputError, match="symlink"):
        write_package(package_files(), tmp_path / "link" / "pkg")
    assert list((tmp_path / "real").iterdir()) == []


def test_planned_changes_classifies_every_file(tmp_path: Path) -> None:
    write_package(package_files(), tmp_path / "pkg")
    plan = planned_changes(package_files(adapter="x = 5\n", duration=7.0), tmp_path / "pkg")
    assert plan == {
        "demo_adapter.py": "changed",
        "metadata.json": "changed",
        "sub/helper.py": "unchanged",
    }
    assert set(planned_changes(package_files(), tmp_path / "new").values()) == {"new"}


def test_a_failure_midway_leaves_the_old_package_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_package(package_files(), tmp_path / "pkg")
    real_write = Path.write_bytes

    def failing_write(self: Path, data: bytes) -> int:
        if self.name == "helper.py":
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    with pytest.raises(OutputError, match="No space left"):
        write_package(package_files(adapter="x = 9\n"), tmp_path / "pkg", force=True)
    assert (tmp_path / "pkg" / "demo_adapter.py").read_text() == "x = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["pkg"]

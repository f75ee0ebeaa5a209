"""Target parsing: the three kinds, and every way a target can be wrong or unsafe."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from agentflow.deploy import STATE_DIR, Target, parse_target
from agentflow.errors import InputError, TargetError


def test_dist_and_index_targets_are_absolute_folders(tmp_path: Path) -> None:
    os.chdir(tmp_path)
    dist = parse_target("dist:out/wheels")
    assert dist == Target("dist", tmp_path / "out" / "wheels")
    assert dist.state_dir == tmp_path / "out" / "wheels" / STATE_DIR
    assert parse_target("index:simple").kind == "index"
    assert dist.describe() == f"dist:{tmp_path / 'out' / 'wheels'}"


def test_project_target_names_the_place_inside_the_project(tmp_path: Path) -> None:
    target = parse_target(f"project:{tmp_path}", into="src/./vendor")
    assert target.into == PurePosixPath("src/vendor")
    assert target.place("github") == PurePosixPath("src/vendor/github")
    assert target.describe().endswith("--into src/vendor")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("wheels", "malformed target"),
        ("dist:", "malformed target"),
        ("pypi:somewhere", "unknown target kind 'pypi'"),
    ],
)
def test_malformed_targets_are_input_errors(text: str, message: str) -> None:
    with pytest.raises(TargetError, match=message) as caught:
        parse_target(text)
    assert isinstance(caught.value, InputError)
    assert caught.value.exit_code == 2


def test_into_is_refused_for_dist_and_index(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="only to project targets"):
        parse_target(f"dist:{tmp_path}", into="vendor")


def test_a_file_cannot_be_a_target(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(TargetError, match="not a directory"):
        parse_target(f"index:{tmp_path / 'file'}")


@pytest.mark.parametrize("kind", ["dist", "index"])
def test_a_target_under_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(TargetError, match=f"cannot be made: {tmp_path / 'file'} is not a dir"):
        parse_target(f"{kind}:{tmp_path / 'file' / 'deeper' / 'out'}")


@pytest.mark.parametrize(
    ("into", "message"),
    [
        (None, "needs --into"),
        ("", "needs --into"),
        ("../outside", "relative path inside the project"),
        ("src/../../outside", "relative path inside the project"),
        ("/abs/path", "relative path inside the project"),
        (".", "must name a folder"),
        (STATE_DIR, "must name a folder"),
    ],
)
def test_project_places_must_stay_inside_the_project(
    tmp_path: Path, into: str | None, message: str
) -> None:
    with pytest.raises(TargetError, match=message):
        parse_target(f"project:{tmp_path}", into=into)


def test_symlinks_inside_the_project_are_refused(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "app", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / "vendor").symlink_to(elsewhere)
    with pytest.raises(TargetError, match="symlink"):
        parse_target(f"project:{project}", into="vendor/libs")


def test_a_missing_project_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="does not exist"):
        parse_target(f"project:{tmp_path / 'nope'}", into="vendor")


def test_listing_a_project_does_not_need_a_place(tmp_path: Path) -> None:
    target = parse_target(f"project:{tmp_path}", need_place=False)
    assert target.into is None

"""The write stage: containment, generated files only, all or nothing, one run at a time."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from denied import deny
from user_entries import add_user_entries, tree_record, user_record

from agentflow.errors import GenerationError, OutputError
from agentflow.package import writer
from agentflow.package.files import kept_paths as package_paths
from agentflow.package.lock import lock_path, package_lock
from agentflow.package.metadata import METADATA_FILE, sha256_text
from agentflow.package.pristine import PRISTINE_DIR, STORE_DIR, read_pristine
from agentflow.package.snapshot import take_snapshot
from agentflow.package.transaction import safe_relative_path
from agentflow.package.writer import (
    check_destination,
    edited_files,
    planned_changes,
    replace_package,
    write_package,
)


def package_files(
    adapter: str = "x = 1\n", duration: float = 0.5, *, helper: str | None = "y = 2\n"
) -> dict[str, str]:
    files = {"demo_adapter.py": adapter}
    if helper is not None:
        files["sub/helper.py"] = helper
    metadata = {
        "files": {name: {"sha256": sha256_text(text)} for name, text in files.items()},
        "build_metrics": {"duration_seconds": duration},
    }
    return {**files, METADATA_FILE: json.dumps(metadata)}


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    """A package written by the writer, in tmp_path/pkg."""
    write_package(package_files(), tmp_path / "pkg")
    return tmp_path / "pkg"


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


def test_creates_package_and_leaves_only_its_lock_beside_it(tmp_path: Path) -> None:
    outcome = write_package(package_files(), tmp_path / "pkg")
    assert outcome.status == "created"
    assert (tmp_path / "pkg" / "sub" / "helper.py").read_text() == "y = 2\n"
    assert sorted(os.listdir(tmp_path)) == [lock_path(tmp_path / "pkg").name, "pkg"]


def test_identical_regeneration_writes_nothing(pkg: Path) -> None:
    before = (pkg / METADATA_FILE).stat().st_mtime_ns
    outcome = write_package(package_files(duration=9.9), pkg)
    assert outcome.status == "unchanged"
    assert (pkg / METADATA_FILE).stat().st_mtime_ns == before


def test_the_destination_check_hands_over_the_metadata_it_read(pkg: Path) -> None:
    checked = check_destination(pkg)
    assert checked.path == pkg.resolve()
    assert checked.metadata == json.loads(package_files()[METADATA_FILE])
    assert check_destination(pkg.parent / "new") == (pkg.parent.resolve() / "new", None)
    (pkg / METADATA_FILE).write_text("[1]")  # the pristine store still tells the edits
    assert check_destination(pkg).metadata is None


def test_changed_package_needs_force(pkg: Path) -> None:
    with pytest.raises(OutputError, match="--force"):
        write_package(package_files(adapter="x = 2\n"), pkg)
    assert (pkg / "demo_adapter.py").read_text() == "x = 1\n"
    outcome = write_package(package_files(adapter="x = 2\n"), pkg, force=True)
    assert outcome.status == "replaced"
    assert (pkg / "demo_adapter.py").read_text() == "x = 2\n"


def test_force_refuses_hand_edits_and_points_to_update(pkg: Path) -> None:
    (pkg / "demo_adapter.py").write_text("x = 'edited'\n")
    assert edited_files(pkg) == ("demo_adapter.py",)
    with pytest.raises(OutputError, match=r"edited by hand \(demo_adapter.py\).*integrate update"):
        write_package(package_files(adapter="x = 3\n"), pkg, force=True)
    assert (pkg / "demo_adapter.py").read_text() == "x = 'edited'\n"


def test_force_replaces_an_unedited_package_and_keeps_user_files(pkg: Path) -> None:
    (pkg / "notes.txt").write_text("mine")
    outcome = write_package(package_files(adapter="x = 3\n"), pkg, force=True)
    assert outcome.status == "replaced"
    assert (pkg / "demo_adapter.py").read_text() == "x = 3\n"
    assert (pkg / "notes.txt").read_text() == "mine"


def test_only_changed_files_are_rewritten(pkg: Path) -> None:
    helper = (pkg / "sub" / "helper.py").stat()
    write_package(package_files(adapter="x = 3\n"), pkg, force=True)
    after = (pkg / "sub" / "helper.py").stat()
    assert (after.st_ino, after.st_mtime_ns) == (helper.st_ino, helper.st_mtime_ns)


def test_every_write_keeps_the_generation_in_the_pristine_store(pkg: Path) -> None:
    store = pkg / PRISTINE_DIR
    assert read_pristine(pkg) == {"demo_adapter.py": "x = 1\n", "sub/helper.py": "y = 2\n"}
    write_package(package_files(adapter="x = 3\n"), pkg, force=True)
    assert (store / "demo_adapter.py").read_text() == "x = 3\n"
    assert not (store / METADATA_FILE).exists()


def test_a_missing_store_is_restored_without_force(pkg: Path) -> None:
    shutil.rmtree(pkg / STORE_DIR)
    outcome = write_package(package_files(duration=2.0), pkg)
    assert outcome.status == "replaced"
    assert read_pristine(pkg) is not None
    assert write_package(package_files(), pkg).status == "unchanged"


def test_a_package_lists_user_and_store_files_and_plans_no_change_when_unchanged(
    pkg: Path,
) -> None:
    (pkg / "notes.txt").write_text("mine")
    generated = ["demo_adapter.py", "sub/helper.py"]
    assert package_paths(pkg) == sorted(
        [*generated, METADATA_FILE, "notes.txt", *(f"{PRISTINE_DIR}/{name}" for name in generated)]
    )
    assert planned_changes(package_files(), pkg) == dict.fromkeys(package_files(), "unchanged")


def test_refuses_to_replace_a_directory_that_is_not_a_package(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "important.txt").write_text("keep me")
    with pytest.raises(OutputError, match="not a generated package"):
        write_package(package_files(), tmp_path / "pkg", force=True)
    assert (tmp_path / "pkg" / "important.txt").read_text() == "keep me"


def test_an_empty_folder_becomes_the_package_and_keeps_its_mode(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir(mode=0o711)
    assert write_package(package_files(), tmp_path / "pkg").status == "created"
    assert stat.S_IMODE((tmp_path / "pkg").stat().st_mode) == 0o711
    assert edited_files(tmp_path / "pkg") == ()


def test_a_symlinked_ancestor_is_followed_once(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    outcome = write_package(package_files(), tmp_path / "link" / "out" / "pkg")
    assert outcome.path == tmp_path / "real" / "out" / "pkg"
    assert (tmp_path / "real" / "out" / "pkg" / "demo_adapter.py").read_text() == "x = 1\n"


def test_a_destination_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "pkg")
    with pytest.raises(OutputError, match="is a symlink"):
        write_package(package_files(), tmp_path / "pkg")
    assert list((tmp_path / "real").iterdir()) == []


@pytest.mark.parametrize("link", ["sub", "sub/helper.py", STORE_DIR])
def test_nothing_is_written_through_a_symlink_inside_the_package(
    pkg: Path, tmp_path: Path, link: str
) -> None:
    outside = tmp_path / "outside"
    shutil.move(pkg / link, outside)
    os.symlink(outside, pkg / link)
    before = tree_record(tmp_path)
    with pytest.raises(OutputError, match=re.escape(f"{pkg / link} is a symlink")):
        write_package(package_files(adapter="x = 3\n", helper="y = 3\n"), pkg, force=True)
    assert tree_record(tmp_path) == before


def test_a_folder_where_a_file_is_generated_is_refused(pkg: Path, tmp_path: Path) -> None:
    (pkg / "demo_adapter.py").unlink()
    (pkg / "demo_adapter.py").mkdir()
    before = tree_record(tmp_path)
    with pytest.raises(OutputError, match="demo_adapter.py is not a regular file"):
        write_package(package_files(adapter="x = 3\n"), pkg, force=True)
    assert tree_record(tmp_path) == before


def test_a_path_under_a_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(OutputError, match=re.escape(f"{tmp_path / 'file'} is a file, not a")):
        write_package(package_files(), tmp_path / "file" / "out" / "pkg")
    assert (tmp_path / "file").read_text() == "not a folder"


def test_planned_changes_classifies_every_file(pkg: Path, tmp_path: Path) -> None:
    plan = planned_changes(package_files(adapter="x = 5\n", duration=7.0), pkg)
    assert plan == {
        "demo_adapter.py": "changed",
        "metadata.json": "changed",
        "sub/helper.py": "unchanged",
    }
    assert set(planned_changes(package_files(), tmp_path / "new").values()) == {"new"}


def test_a_full_disk_while_staging_leaves_the_old_package_intact(
    pkg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_record(tmp_path)
    real_write = Path.write_bytes

    def failing_write(self: Path, data: bytes) -> int:
        if data == b"x = 9\n":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    with pytest.raises(GenerationError, match="No space left on device.*left as it was"):
        write_package(package_files(adapter="x = 9\n"), pkg, force=True)
    assert tree_record(tmp_path) == before


def test_a_full_disk_while_creating_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Path, "write_bytes", fail_with(errno.ENOSPC, after=1))
    with pytest.raises(GenerationError, match="No space left on device; nothing was written"):
        write_package(package_files(), tmp_path / "pkg")
    assert os.listdir(tmp_path) == [lock_path(tmp_path / "pkg").name]


@pytest.mark.parametrize(
    ("failure", "expected"),
    [(OSError(errno.EIO, os.strerror(errno.EIO)), GenerationError), (KeyboardInterrupt(), None)],
)
def test_a_failure_among_the_renames_puts_every_file_back(
    pkg: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: BaseException,
    expected: type[Exception] | None,
) -> None:
    before = tree_record(tmp_path)
    real_replace, calls = os.replace, []

    def replace_then_fail(*args: str) -> None:
        calls.append(args)
        if len(calls) == 3:
            raise failure
        real_replace(*args)

    monkeypatch.setattr(os, "replace", replace_then_fail)
    with pytest.raises(expected or KeyboardInterrupt):
        write_package(package_files(adapter="x = 3\n", helper="y = 3\n"), pkg, force=True)
    assert len(calls) > 3  # the two files renamed were renamed back
    assert tree_record(tmp_path) == before


BAD_METADATA = {
    "not JSON": ("{not json", "is not valid JSON"),
    "a list": ("[]", "holds a list, not an object"),
    "files a list": ('{"files": []}', "has a list as 'files'"),
    "files a string": ('{"files": "x"}', "has a string as 'files'"),
    "files null": ('{"files": null}', "has null as 'files'"),
    "no files": ("{}", "has no 'files'"),
    "a record without checksum": (
        '{"files": {"a.py": "x"}}',
        "records no sha256 checksum for 'a.py' in 'files'",
    ),
    "a path outside": (
        '{"files": {"../victim.txt": {"sha256": "0"}}}',
        "records '../victim.txt' in 'files', which is not a plain relative path",
    ),
}


@pytest.mark.parametrize("bad", sorted(BAD_METADATA))
def test_force_tells_hand_edits_from_the_store_when_metadata_cannot_be_used(
    pkg: Path, tmp_path: Path, bad: str
) -> None:
    (tmp_path / "victim.txt").write_text("keep me")
    (pkg / METADATA_FILE).write_text(BAD_METADATA[bad][0])
    (pkg / "demo_adapter.py").write_text("x = 'edited'\n")
    before = tree_record(tmp_path)
    with pytest.raises(OutputError, match=r"edited by hand \(demo_adapter.py\)"):
        write_package(package_files(adapter="x = 3\n"), pkg, force=True)
    assert tree_record(tmp_path) == before
    (pkg / "demo_adapter.py").write_text("x = 1\n")
    assert write_package(package_files(adapter="x = 3\n"), pkg, force=True).status == "replaced"
    assert edited_files(pkg) == ()
    assert (tmp_path / "victim.txt").read_text() == "keep me"


@pytest.mark.parametrize("bad", sorted(BAD_METADATA))
def test_unusable_metadata_without_a_store_is_refused(pkg: Path, tmp_path: Path, bad: str) -> None:
    text, problem = BAD_METADATA[bad]
    (pkg / METADATA_FILE).write_text(text)
    shutil.rmtree(pkg / STORE_DIR)
    before = tree_record(tmp_path)
    with pytest.raises(OutputError) as caught:
        write_package(package_files(adapter="x = 3\n"), pkg, force=True)
    assert f"{pkg / METADATA_FILE} {problem}" in caught.value.message
    assert "cannot tell which files were edited by hand" in caught.value.message
    assert tree_record(tmp_path) == before


def test_force_leaves_links_empty_folders_and_a_virtualenv_as_they_are(
    pkg: Path, tmp_path: Path
) -> None:
    add_user_entries(pkg, tmp_path / "outside")
    before = user_record(pkg)
    assert {"notes.md", ".venv/lib64", ".venv/bin/python", "empty/deeper"} <= before.keys()
    write_package(package_files(adapter="x = 3\n", helper=None), pkg, force=True)
    assert (pkg / "demo_adapter.py").read_text() == "x = 3\n"
    assert user_record(pkg) == before
    assert (tmp_path / "outside" / "notes.md").read_text() == "shared notes\n"


def test_files_no_longer_generated_are_removed_with_the_folders_they_emptied(
    pkg: Path, tmp_path: Path
) -> None:
    second = tmp_path / "second"
    write_package(package_files(), second)
    (second / "sub" / "mine.txt").write_text("mine")
    for package in (pkg, second):
        write_package(package_files(helper=None), package, force=True)
    assert not (pkg / "sub").exists() and not (pkg / PRISTINE_DIR / "sub").exists()
    assert os.listdir(second / "sub") == ["mine.txt"]
    assert read_pristine(pkg) == {"demo_adapter.py": "x = 1\n"}


@pytest.mark.parametrize(
    "change",
    [
        lambda pkg: (pkg / "sub" / "helper.py").write_text("y = 'edited meanwhile'\n"),
        lambda pkg: (pkg / "notes.txt").write_text("added meanwhile\n"),
        lambda pkg: (pkg / "sub" / "helper.py").unlink(),
    ],
    ids=["edited", "added", "removed"],
)
def test_nothing_is_written_when_the_package_changed_since_its_snapshot(
    pkg: Path, change: Callable[[Path], object]
) -> None:
    snapshot = take_snapshot(pkg)
    change(pkg)
    before = tree_record(pkg)
    with pytest.raises(OutputError, match=r"(sub/helper.py|notes.txt) changed in .*nothing was"):
        replace_package(package_files(adapter="x = 3\n"), pkg, unchanged_since=snapshot)
    assert tree_record(pkg) == before


def test_force_writes_nothing_when_a_file_is_edited_after_the_decision(
    pkg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decide = writer._check_replaceable

    def decide_then_edit(*args: object, **kwargs: bool) -> None:
        decide(*args, **kwargs)  # type: ignore[arg-type]
        (pkg / "demo_adapter.py").write_text("x = 'saved by an editor'\n")

    monkeypatch.setattr(writer, "_check_replaceable", decide_then_edit)
    with pytest.raises(OutputError, match="demo_adapter.py changed in .*nothing was written"):
        write_package(package_files(adapter="x = 3\n"), pkg, force=True)
    assert (pkg / "demo_adapter.py").read_text() == "x = 'saved by an editor'\n"
    assert read_pristine(pkg) == {"demo_adapter.py": "x = 1\n", "sub/helper.py": "y = 2\n"}


@pytest.mark.parametrize("same", [True, False], ids=["same content", "different content"])
def test_of_two_concurrent_creations_exactly_one_creates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, same: bool
) -> None:
    write_tree = writer.write_tree

    def slow_write_tree(root: Path, files: dict[str, bytes]) -> None:
        time.sleep(0.2)  # a wide window between deciding and renaming into place
        write_tree(root, files)

    monkeypatch.setattr(writer, "write_tree", slow_write_tree)
    start, outcomes = threading.Barrier(2), []

    def create(adapter: str) -> None:
        start.wait()
        try:
            outcomes.append(write_package(package_files(adapter=adapter), tmp_path / "pkg").status)
        except OutputError as exc:
            outcomes.append(exc.message)

    adapters = ["x = 1\n", "x = 1\n" if same else "x = 2\n"]
    threads = [threading.Thread(target=create, args=(adapter,)) for adapter in adapters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (other,) = [outcome for outcome in outcomes if outcome != "created"]  # exactly one created
    assert other == "unchanged" if same else "different content" in other
    assert edited_files(tmp_path / "pkg") == ()


def test_a_writer_waits_while_another_run_holds_the_package_lock(tmp_path: Path) -> None:
    outcomes: list[str] = []
    writing = threading.Thread(
        target=lambda: outcomes.append(write_package(package_files(), tmp_path / "pkg").status)
    )
    with package_lock(tmp_path / "pkg"):
        writing.start()
        writing.join(0.5)
        assert writing.is_alive() and not (tmp_path / "pkg").exists()
        busy = pytest.raises(OutputError, match="another agentflow run has been writing")
        with busy, package_lock(tmp_path / "pkg", timeout=0.1):
            pass
    writing.join(10)
    assert outcomes == ["created"]


@pytest.mark.parametrize(
    ("umask", "folder", "file"), [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)]
)
def test_new_folders_and_files_follow_the_umask(
    tmp_path: Path, umask: int, folder: int, file: int
) -> None:
    previous = os.umask(umask)
    try:
        write_package(package_files(), tmp_path / "out" / "pkg")
        write_package(package_files(helper=None), tmp_path / "out" / "pkg", force=True)
        write_package(package_files(), tmp_path / "out" / "pkg", force=True)  # sub/ again
    finally:
        os.umask(previous)
    modes = {name: entry[:2] for name, entry in tree_record(tmp_path / "out").items()}
    assert len(modes) > 8
    for name, (kind, mode) in modes.items():
        assert mode == (folder if kind == "folder" else file), name


def test_an_unwritable_output_folder_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "out").mkdir()
    deny(monkeypatch, tmp_path / "out", writing=True)
    with pytest.raises(OutputError, match=re.escape(f"could not write into {tmp_path / 'out'}: ")):
        write_package(package_files(), tmp_path / "out" / "pkg")
    monkeypatch.undo()
    assert os.listdir(tmp_path / "out") == []


@pytest.mark.parametrize("where", ["the output folder", "the package"])
def test_an_unreadable_folder_is_an_error_naming_it(
    pkg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    folder = tmp_path if where == "the output folder" else pkg
    before = tree_record(tmp_path)
    deny(monkeypatch, folder, reading=True)
    with pytest.raises(OutputError, match=f"could not read {re.escape(str(folder))}.*: Permission"):
        write_package(package_files(adapter="x = 3\n"), pkg, force=True)
    monkeypatch.undo()
    assert tree_record(tmp_path) == before


def test_an_unwritable_package_is_left_as_it_was(
    pkg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_record(tmp_path)
    deny(monkeypatch, pkg, writing=True)
    with pytest.raises(OutputError, match="Permission denied"):
        write_package(package_files(adapter="x = 3\n"), pkg, force=True)
    monkeypatch.undo()
    assert tree_record(tmp_path) == before


def fail_with(code: int, *, after: int) -> Callable[[Path, bytes], int]:
    """A `Path.write_bytes` that fails with `code` once `after` files were written."""
    real_write, written = Path.write_bytes, []

    def write(self: Path, data: bytes) -> int:
        if len(written) >= after:
            raise OSError(code, os.strerror(code))
        written.append(self)
        return real_write(self, data)

    return write

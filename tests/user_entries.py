"""What a user keeps inside a package folder, and an exact record of a folder's entries."""

from __future__ import annotations

import os
import stat
import venv
from pathlib import Path

USER_ENTRIES = ("notes.md", "docs", "dangling", "empty", ".venv")


def add_user_entries(package: Path, outside: Path) -> None:
    """Links to a file and a folder outside the package, a dangling link, an empty folder
    and a virtualenv (with its `lib64` link and interpreter links)."""
    (outside / "docs").mkdir(parents=True, exist_ok=True)
    (outside / "notes.md").write_text("shared notes\n", encoding="utf-8")
    (outside / "docs" / "guide.md").write_text("guide\n", encoding="utf-8")
    os.symlink(outside / "notes.md", package / "notes.md")
    os.symlink(outside / "docs", package / "docs")
    os.symlink("nowhere/missing.txt", package / "dangling")
    (package / "empty" / "deeper").mkdir(parents=True)
    venv.create(package / ".venv", symlinks=True, with_pip=False)


def tree_record(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under `root`, links not followed: a link's target, a folder's mode, a
    file's mode and bytes."""
    record: dict[str, tuple[object, ...]] = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder, name)
            info = os.lstat(path)
            relative = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                record[relative] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                record[relative] = ("folder", stat.S_IMODE(info.st_mode))
            else:
                record[relative] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes())
    return record


def user_record(package: Path) -> dict[str, tuple[object, ...]]:
    """`tree_record` of the entries `add_user_entries` made."""
    return {
        name: entry
        for name, entry in tree_record(package).items()
        if name.split("/")[0] in USER_ENTRIES
    }

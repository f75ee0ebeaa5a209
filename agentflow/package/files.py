"""The one walk of a package folder, and the three views agentflow takes of it.

A package is what lies in its folder outside hidden folders, tool caches and build output
(`is_tool_folder`); symlinked folders are never followed. Each stage looks at that one walk
through its own view:

- `kept_paths`: what the writer must not lose; every file and link, and the pristine store;
- `checked_paths`: what validation checks; the files, without metadata.json or bytecode;
- `shipped_paths`: what a deploy ships; the files without hidden ones or bytecode, and a
  link anywhere is an error, since a link could ship a file from outside the package.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agentflow.errors import InputError
from agentflow.package.metadata import METADATA_FILE
from agentflow.package.pristine import PRISTINE_DIR, store_folder
from agentflow.package.transaction import file_error

__all__ = [
    "checked_paths",
    "is_tool_folder",
    "kept_paths",
    "shipped_paths",
]

_TOOL_FOLDERS = frozenset({"__pycache__", "build", "dist", "node_modules"})
_TOOL_FILES = frozenset({".coverage"})
_BYTECODE = (".pyc", ".pyo")


@dataclass(frozen=True)
class _Entry:
    """One entry of a package folder: its relative POSIX path and what it is."""

    path: str
    kind: Literal["file", "link", "folder_link", "other"]

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]


def is_tool_folder(name: str) -> bool:
    """Whether a folder is no part of a package: hidden, a tool cache or build output."""
    return name.startswith(".") or name in _TOOL_FOLDERS or name.endswith(".egg-info")


def _walk(folder: Path, prefix: str = "") -> Iterator[_Entry]:
    """Every entry below `folder` but folders, sorted, without tool folders or following
    links; an unreadable folder is an error naming it."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        raise file_error("read", folder, exc) from exc
    for entry in entries:
        path = f"{prefix}/{entry.name}" if prefix else entry.name
        if entry.is_dir(follow_symlinks=False):
            if not is_tool_folder(entry.name):
                yield from _walk(Path(entry.path), path)
        else:
            yield _Entry(path, _kind(entry))


def _kind(entry: os.DirEntry[str]) -> Literal["file", "link", "folder_link", "other"]:
    if entry.is_symlink():
        return "folder_link" if entry.is_dir() else "link"
    return "file" if entry.is_file(follow_symlinks=False) else "other"


def kept_paths(root: Path) -> list[str]:
    """Relative paths of a package's files and links, sorted, with the pristine store's."""
    found = [e.path for e in _walk(root) if e.name not in _TOOL_FILES]
    store = store_folder(root)
    if store is not None:
        found += [e.path for e in _walk(store, PRISTINE_DIR)]
    return sorted(found)


def checked_paths(root: Path) -> list[str]:
    """Relative paths of the files validation checks, sorted.

    `metadata.json` at the top is left out: it describes the package rather than being
    part of it.
    """
    return sorted(
        entry.path
        for entry in _walk(root)
        if entry.kind != "folder_link"
        and entry.path != METADATA_FILE
        and not entry.name.endswith(_BYTECODE)
    )


def shipped_paths(root: Path) -> list[str]:
    """Relative paths of the files a deploy ships, in walk order (folder by folder, the
    order `content_sha256` hashes them in); a link is an `InputError`."""
    names = []
    for entry in _walk(root):
        if entry.name.startswith(".") or entry.name.endswith(_BYTECODE):
            continue
        if entry.kind in ("link", "folder_link"):
            raise InputError(f"refusing to deploy {root}: {entry.path} is a symlink")
        if entry.kind == "file":
            names.append(entry.path)
    return names

"""What a package folder holds at one moment, to notice any change made since.

`update` reads a package, regenerates and validates it (seconds; minutes with a model), then
writes; `create --force` decides, then writes. A file changed in between (an editor saved it)
would be lost by the write, so the writer compares the folder with the snapshot taken before
anything was read, right before it changes anything, and writes nothing when they differ.

A snapshot covers what a package is made of, as validation sees it: every file and link
(links are not followed), except in hidden folders and tool caches, plus agentflow's pristine
store. An entry is the type and permissions, size, modification time and inode, and the
SHA-256 of a regular file's bytes (timestamps can be coarse) or a link's target.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from agentflow.package.files import kept_paths
from agentflow.package.transaction import file_error

__all__ = [
    "Snapshot",
    "changed_since",
    "sha256_file",
    "take_snapshot",
]

Entry = tuple[int, int, int, int, str]


@dataclass(frozen=True)
class Snapshot:
    """The entries of a package folder's files and links, by relative path."""

    root: Path
    entries: Mapping[str, Entry]


def take_snapshot(root: Path) -> Snapshot:
    """The entries of everything `kept_paths` lists, now."""
    entries = {name: _entry(root / name) for name in kept_paths(root)}
    return Snapshot(root, {name: entry for name, entry in entries.items() if entry is not None})


def changed_since(snapshot: Snapshot, names: Iterable[str] = ()) -> list[str]:
    """Paths changed, added or removed since `snapshot`; `names` are compared too (paths
    about to be written, which may lie outside what a snapshot covers)."""
    root = snapshot.root
    candidates = set(snapshot.entries) | set(kept_paths(root)) | set(names)
    now = {name: _entry(root / name) for name in candidates}
    return sorted(name for name in candidates if now[name] != snapshot.entries.get(name))


def _entry(path: Path) -> Entry | None:
    """The entry of `path`, None when it does not exist."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            detail = os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            detail = sha256_file(path)
        else:
            detail = ""
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise file_error("read", path, exc) from exc
    return (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ino, detail)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

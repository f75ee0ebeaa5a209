"""All-or-nothing changes to a target folder: every change can be undone until commit.

Each change moves what it replaces into a backup folder first, so when any later step
fails, undoing the changes in reverse order puts the target back exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Transaction", "transaction"]


class Transaction:
    """Records how to undo each change made to files under one folder."""

    def __init__(self, backups: Path) -> None:
        self._backups = backups
        self._undo: list[Callable[[], None]] = []
        self._created_dirs: list[Path] = []

    def put_file(self, source: Path, destination: Path) -> None:
        """Copy `source` to `destination`, replacing it by rename."""
        self._ensure_parent(destination)
        staged = Path(tempfile.mkdtemp(prefix=".stage.", dir=self._backups)) / destination.name
        shutil.copy2(source, staged)
        self._set_aside(destination)
        os.replace(staged, destination)
        self._undo.append(lambda: _remove(destination))

    def put_tree(self, source: Path, destination: Path) -> None:
        """Copy the folder `source` to `destination`, replacing it whole."""
        self._ensure_parent(destination)
        staged = Path(tempfile.mkdtemp(prefix=".stage.", dir=self._backups)) / destination.name
        shutil.copytree(source, staged, symlinks=True)
        self._set_aside(destination)
        os.replace(staged, destination)
        self._undo.append(lambda: _remove(destination))

    def remove(self, path: Path) -> None:
        """Remove a file or folder (kept aside until commit)."""
        self._set_aside(path)

    def rollback(self) -> None:
        """Undo every change, newest first, and remove folders this transaction made."""
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
        for folder in reversed(self._created_dirs):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

    def _set_aside(self, path: Path) -> None:
        if not (path.exists() or path.is_symlink()):
            return
        aside = Path(tempfile.mkdtemp(prefix=".old.", dir=self._backups)) / path.name
        os.replace(path, aside)
        self._undo.append(lambda: os.replace(aside, path))

    def _ensure_parent(self, destination: Path) -> None:
        missing = [p for p in [destination.parent, *destination.parent.parents] if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir()
            self._created_dirs.append(folder)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def transaction(state_dir: Path) -> Iterator[Transaction]:
    """A transaction whose backups live in `state_dir`; undone if the block raises."""
    backups = Path(tempfile.mkdtemp(prefix=".txn.", dir=state_dir))
    change = Transaction(backups)
    try:
        yield change
    except BaseException:
        change.rollback()
        raise
    finally:
        shutil.rmtree(backups, ignore_errors=True)

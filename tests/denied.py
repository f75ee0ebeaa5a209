"""Permission errors on demand: root ignores file modes, so tests make the OS calls fail.

`deny(monkeypatch, folder, reading=True)` acts as `chmod 0` on `folder` would for another
user: its entries cannot be listed and nothing inside it can be reached. `writing=True` acts
as `chmod a-w`: nothing can be created, replaced or removed inside it.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_READS = ("lstat", "stat", "scandir", "listdir", "open")
_WRITES = ("mkdir", "rmdir", "unlink", "rename", "replace", "link", "open")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT


def deny(
    monkeypatch: pytest.MonkeyPatch, folder: Path, *, reading: bool = False, writing: bool = False
) -> None:
    """Make the `os` calls agentflow uses fail with EACCES on `folder` as its mode would."""

    def refused(name: str, args: tuple[Any, ...]) -> bool:
        paths = [Path(os.path.abspath(os.fsdecode(a))) for a in args[:2] if _is_path(a)]
        if name == "open" and len(args) > 1:
            paths = paths[:1]
            if not reading and not args[1] & _WRITE_FLAGS:
                return False
        within = any(folder in path.parents for path in paths)
        listing = name in ("scandir", "listdir") and folder in paths
        return (reading and (within or listing)) or (writing and name in _WRITES and within)

    for name in sorted(set(_READS if reading else ()) | set(_WRITES if writing else ())):
        monkeypatch.setattr(os, name, _guarded(name, getattr(os, name), refused))


def _guarded(
    name: str, function: Callable[..., Any], refused: Callable[[str, tuple[Any, ...]], bool]
) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if refused(name, args):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(args[0]))
        return function(*args, **kwargs)

    return guarded


def _is_path(value: object) -> bool:
    return isinstance(value, (str, bytes, os.PathLike))

"""Deploy targets: `dist:PATH`, `index:PATH` and `project:PATH` with a place inside it.

A target is parsed and checked before anything is built, so a typo or a path that would
leave the project fails fast with exit code 2 and writes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from agentflow.errors import TargetError

__all__ = ["STATE_DIR", "TARGET_KINDS", "Target", "check_place", "parse_target"]

TargetKind = Literal["dist", "index", "project"]
TARGET_KINDS: tuple[TargetKind, ...] = ("dist", "index", "project")

# Hidden folder inside every target: history, lock and every deployed version's payload.
STATE_DIR = ".agentflow-deploy"

_SYNTAX = "use dist:PATH, index:PATH or project:PATH (with --into DIR)"


@dataclass(frozen=True)
class Target:
    """Where packages are deployed; `into` is the place inside a project (project only)."""

    kind: TargetKind
    root: Path
    into: PurePosixPath | None = None

    @property
    def state_dir(self) -> Path:
        """The hidden folder holding the history, the lock and stored versions."""
        return self.root / STATE_DIR

    def place(self, slug: str) -> PurePosixPath | None:
        """Where a project copy of `slug` goes, relative to the project root."""
        return None if self.into is None else self.into / slug

    def describe(self) -> str:
        """The target as the user would write it."""
        text = f"{self.kind}:{self.root}"
        return text if self.into is None else f"{text} --into {self.into}"


def parse_target(text: str, *, into: str | None = None, need_place: bool = True) -> Target:
    """Parse `KIND:PATH`; `into` is only allowed with `project`, and needed unless listing."""
    kind, sep, raw_path = text.partition(":")
    if not sep or not raw_path:
        raise TargetError(f"malformed target {text!r}; {_SYNTAX}")
    if kind not in TARGET_KINDS:
        raise TargetError(f"unknown target kind {kind!r} in {text!r}; {_SYNTAX}")
    root = Path(os.path.abspath(raw_path))
    if kind != "project":
        if into is not None:
            raise TargetError(f"--into applies only to project targets, not {kind!r}")
        _check_folder(root)
        return Target(kind, root)
    if into is None and not need_place:
        return Target("project", root)
    return Target("project", root, _checked_place(root, into))


def _checked_place(root: Path, into: str | None) -> PurePosixPath:
    """The place inside the project: relative, no `..`, no symlink on the way."""
    if not root.is_dir():
        raise TargetError(f"project folder {root} does not exist")
    if not into:
        raise TargetError("a project target needs --into DIR, the folder inside the project")
    place = PurePosixPath(into.replace(os.sep, "/"))
    if place.is_absolute() or any(part in {"..", ""} for part in place.parts):
        raise TargetError(f"--into {into!r} must be a relative path inside the project")
    place = PurePosixPath(*[part for part in place.parts if part != "."])
    if not place.parts or place.parts[0] == "." or place.parts[0] == STATE_DIR:
        raise TargetError(f"--into {into!r} must name a folder inside the project")
    check_place(root, place)
    return place


def _check_folder(root: Path) -> None:
    """The target is a folder, or can become one: nothing on its way is a file."""
    if root.exists() and not root.is_dir():
        raise TargetError(f"target {root} exists and is not a directory")
    blocker = next((p for p in root.parents if p.exists() or p.is_symlink()), None)
    if blocker is not None and not blocker.is_dir():
        raise TargetError(f"target {root} cannot be made: {blocker} is not a directory")


def check_place(root: Path, place: PurePosixPath) -> None:
    """Refuse a place inside the project reached through a symlink, or resolving outside it.

    Checked when the target is parsed and again under the lock right before publishing, so
    a folder swapped for a symlink in between is caught.
    """
    current = root
    for part in place.parts:
        current = current / part
        if current.is_symlink():
            raise TargetError(f"refusing to deploy through the symlink {current}")
        if current.exists() and not current.is_dir():
            raise TargetError(f"{current} exists and is not a directory")
    resolved = Path(os.path.realpath(root / Path(*place.parts)))
    if not resolved.is_relative_to(Path(os.path.realpath(root))):
        raise TargetError(f"--into {place} leaves the project {root}")

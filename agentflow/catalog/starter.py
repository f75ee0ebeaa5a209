"""`agentflow integrate init`: a catalog entry as a requirements file to edit.

The file is the entry's own text, comments included, under a header saying where it came
from and how to make the package. Written to a path, it appears all at once
(`publish_file`); without `force` a file that appeared meanwhile is not overwritten either.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from agentflow import __version__
from agentflow.catalog import CatalogEntry, find_entry
from agentflow.errors import OutputError
from agentflow.package.transaction import file_error, lstat_mode, publish_file

__all__ = ["StarterFile", "init_requirements", "starter_text"]


@dataclass(frozen=True)
class StarterFile:
    """A requirements file made from a catalog entry; `path` is None when nothing was written."""

    entry: CatalogEntry
    text: str
    path: Path | None


def init_requirements(
    name: str, *, output: str | os.PathLike[str] | None = None, force: bool = False
) -> StarterFile:
    """The starter file for the catalog entry `name`, written to `output` when given.

    An unknown name is an `UnknownServiceError`; an existing `output` is an `OutputError`
    unless `force`. Both are found before anything is written.
    """
    entry = find_entry(name)
    target = None if output is None else Path(output)
    text = starter_text(entry, file_name=None if target is None else str(target))
    if target is not None:
        _write_new(target, text, force=force)
    return StarterFile(entry, text, target)


def starter_text(entry: CatalogEntry, *, file_name: str | None = None) -> str:
    """The entry's text under a header naming its origin and the `create` command to run."""
    shown = command_word(file_name or f"{entry.slug}.yaml")
    lines = [
        f"# {entry.name}: requirements from the agentflow service catalog "
        f"(entry {entry.slug!r}, agentflow {__version__}).",
        "# Edit them for your account, then create the package:",
        f"#   agentflow integrate create {shown}",
    ]
    if not entry.generates:
        lines += [
            f"# The {entry.pattern!r} pattern cannot generate packages yet, so `create` refuses",
            f"# this file for now; `agentflow integrate patterns --explain {shown}` scores it.",
        ]
    text = entry.text if entry.text.endswith("\n") else entry.text + "\n"
    return "\n".join(lines) + "\n#\n" + text


def command_word(file_name: str) -> str:
    """`file_name` as one shell word fit for a comment or a terminal: quoted when needed,
    and a placeholder when it holds characters that would break the line."""
    return shlex.quote(file_name) if file_name.isprintable() else "FILE"


def _write_new(target: Path, text: str, *, force: bool) -> None:
    """Write `text` to `target` all at once; never replace a file unless `force`."""
    exists = OutputError(f"{target} already exists; pass --force to overwrite it")
    if not force and lstat_mode(target) is not None:
        raise exists
    try:
        publish_file(target, text, replace=force)
    except FileExistsError:
        raise exists from None
    except OSError as exc:
        raise file_error("write", target, exc) from exc

"""Reading a generated package from disk: its metadata and the files it is made of."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentflow.errors import InputError
from agentflow.file_snapshot import is_tool_folder

__all__ = ["METADATA_FILE", "PackageInfo", "list_package_files", "load_package"]

METADATA_FILE = "metadata.json"

_HINT = "pass the folder of a package made by `agentflow integrate create`"


@dataclass(frozen=True)
class PackageInfo:
    """A package directory and the parts of its metadata validation relies on."""

    root: Path
    slug: str
    pattern: str
    metadata: dict[str, Any]

    @property
    def adapter_module(self) -> str:
        """The adapter's import name, e.g. `github_adapter`."""
        return f"{self.slug}_adapter"


def load_package(path: Path) -> PackageInfo:
    """Read `path/metadata.json`; an `InputError` says what is wrong and what to do."""
    if not path.is_dir():
        raise InputError(f"{path} is not a directory; {_HINT}")
    metadata_path = path / METADATA_FILE
    if not metadata_path.is_file():
        raise InputError(
            f"{path} has no {METADATA_FILE}, so it is not a generated package; {_HINT}, "
            "or regenerate it"
        )
    metadata = _read_metadata(metadata_path)
    slug = _required_text(metadata, "slug", metadata_path)
    if not slug.isidentifier():
        raise InputError(
            f"{metadata_path}: 'slug' must be a Python identifier, got {slug!r}; regenerate "
            "the package"
        )
    pattern = _required_text(metadata, "pattern", metadata_path)
    return PackageInfo(root=path, slug=slug, pattern=pattern, metadata=metadata)


def _read_metadata(metadata_path: Path) -> dict[str, Any]:
    """Parse the metadata file; corruption is the user's to fix, so it is an InputError."""
    try:
        data = json.loads(metadata_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{metadata_path} cannot be read: {exc}; {_HINT}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{metadata_path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); "
            "restore it or regenerate the package"
        ) from exc
    if not isinstance(data, dict):
        raise InputError(
            f"{metadata_path}: expected a JSON object, got {type(data).__name__}; "
            "restore it or regenerate the package"
        )
    return data


def _required_text(metadata: dict[str, Any], key: str, metadata_path: Path) -> str:
    value = metadata.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(
            f"{metadata_path}: missing or empty {key!r}; restore it or regenerate the package"
        )
    return value


def list_package_files(root: Path) -> list[str]:
    """Relative POSIX paths of the package's files, sorted, without tool caches.

    `metadata.json` at the top is left out: it describes the package rather than being
    part of it. Symlinked folders are not followed.
    """
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not is_tool_folder(d))
        base = Path(dirpath).relative_to(root)
        for name in filenames:
            relative = (base / name).as_posix()
            if relative != METADATA_FILE and not name.endswith((".pyc", ".pyo")):
                found.append(relative)
    return sorted(found)

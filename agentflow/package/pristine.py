"""The pristine store: an exact copy of a package's last generation, kept inside the package.

`integrate update` merges three versions of each file: the last generation (the base), the
user's file and the new generation. The base lives in `<package>/.agentflow/pristine/` under
the same relative paths. It is a hidden folder, so pytest, the package's wheel and validation's
file listing all pass over it. Its bytes are those of the generated files, so the same
generation always gives the same store.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from agentflow.errors import InputError

__all__ = [
    "PRISTINE_DIR",
    "STORE_DIR",
    "is_store_path",
    "pristine_files",
    "read_pristine",
    "stale_store_files",
    "store_folder",
]

STORE_DIR = ".agentflow"
PRISTINE_DIR = f"{STORE_DIR}/pristine"


def pristine_files(files: Mapping[str, str]) -> dict[str, str]:
    """The store's files for a generation's files (metadata.json left out by the caller:
    it is never merged, each generation replaces it): `{.agentflow/pristine/<path>: text}`."""
    return {f"{PRISTINE_DIR}/{name}": text for name, text in sorted(files.items())}


def stale_store_files(stored: Mapping[str, str] | None, generated: Mapping[str, str]) -> list[str]:
    """The store's files (`stored`: `read_pristine`) of generated files that the new
    generation (`generated`) lacks."""
    return [f"{PRISTINE_DIR}/{name}" for name in sorted(stored or {}) if name not in generated]


def is_store_path(name: str) -> bool:
    """Whether a package-relative path belongs to agentflow's own folder, not the user's."""
    return name == STORE_DIR or name.startswith(f"{STORE_DIR}/")


def store_folder(package_dir: Path) -> Path | None:
    """The store's folder, None when there is none or it is reached through a link (nothing
    is read through a link)."""
    root = package_dir / PRISTINE_DIR
    if not root.is_dir() or root.is_symlink() or root.parent.is_symlink():
        return None
    return root


def read_pristine(package_dir: Path) -> dict[str, str] | None:
    """The last generation's files from the store, or None when the package has no store."""
    root = store_folder(package_dir)
    if root is None:
        return None
    try:
        return {
            path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(root.rglob("*"))
            if path.is_file() and not path.is_symlink()
        }
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{root} cannot be read ({exc}); it holds the last generation, restore it or "
            "regenerate the package"
        ) from exc

"""The write stage: put a package on disk atomically, and never anywhere it shouldn't go.

Files are written into a staging directory beside the destination, then swapped into place
with renames, so a reader sees the old package or the new one, never a mix. Every path is
checked to stay inside the destination; symlinks on the way are refused. An existing package
is replaced only with `force` and only when nobody edited it by hand (`integrate update` merges
edits instead); an identical regeneration writes nothing. Every write also stores the generated
files in the package's pristine store (`agentflow.pristine`), the base of the next merge.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from agentflow.errors import OutputError
from agentflow.pristine import is_store_path, pristine_files, read_pristine

__all__ = [
    "METADATA_FILE",
    "WriteOutcome",
    "edited_files",
    "planned_changes",
    "present_files",
    "replace_package",
    "safe_relative_path",
    "sha256_text",
    "stable_metadata",
    "write_package",
]

METADATA_FILE = "metadata.json"
VOLATILE_METADATA_KEYS = ("build_metrics", "validation")
VOLATILE_FILE_KEYS = ("cost", "tokens")
_CACHE_DIRS = {
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "build",
    "dist",
}


@dataclass(frozen=True)
class WriteOutcome:
    """What the write stage did: `status` is "created", "replaced" or "unchanged"."""

    path: Path
    status: str


def safe_relative_path(name: str) -> PurePosixPath:
    """Check that a package-relative path is plain: relative, no `..`, no odd characters."""
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or "\0" in name
        or path.is_absolute()
        or any(part in {"", ".", ".."} for part in path.parts)
        or name != str(path)
    ):
        raise OutputError(f"refusing to write {name!r}: not a plain path inside the package")
    return path


def sha256_text(text: str) -> str:
    """Hex SHA-256 of text encoded as UTF-8: the checksum recorded in metadata.json."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def edited_files(package_dir: Path) -> tuple[str, ...]:
    """Files of a generated package whose content differs from what metadata recorded."""
    recorded = _read_metadata(package_dir).get("files", {})
    edited = []
    for name, info in sorted(recorded.items()):
        path = package_dir / name
        if not path.is_file() or _sha256_file(path) != info.get("sha256"):
            edited.append(name)
    return tuple(edited)


def planned_changes(files: Mapping[str, str], destination: Path) -> dict[str, str]:
    """What writing `files` to `destination` would do, per file: new, changed or unchanged."""
    plan = {}
    for name, text in sorted(files.items()):
        target = destination / safe_relative_path(name)
        if not target.is_file():
            plan[name] = "new"
        elif name == METADATA_FILE:
            same = stable_metadata(target.read_bytes()) == stable_metadata(text.encode())
            plan[name] = "unchanged" if same else "changed"
        else:
            plan[name] = "unchanged" if target.read_bytes() == text.encode() else "changed"
    return plan


def write_package(
    files: Mapping[str, str], destination: Path, *, force: bool = False
) -> WriteOutcome:
    """Write `{relative path: text}` as the whole content of `destination`.

    The user's own files (neither generated before nor now) are kept.
    """
    for name in files:
        safe_relative_path(name)
    destination = _checked_destination(destination)
    staged = {**files, **pristine_files(_without_metadata(files))}
    if not destination.exists():
        _swap_in(staged, destination, keep=())
        return WriteOutcome(destination, "created")
    if not _same_generated(destination, files):
        _check_replaceable(destination, force=force)
    elif read_pristine(destination) == _without_metadata(files):
        return WriteOutcome(destination, "unchanged")
    keep = tuple(sorted(present_files(destination) - set(files) - _recorded_files(destination)))
    _swap_in(staged, destination, keep=keep)
    return WriteOutcome(destination, "replaced")


def replace_package(
    files: Mapping[str, str], destination: Path, *, keep: Iterable[str] = ()
) -> None:
    """Atomically make `destination` hold exactly `files` plus its existing files `keep`.

    The caller decides every file (this is how a merge result is written); `files` should
    include the pristine store, which is not added here.
    """
    for name in [*files, *keep]:
        safe_relative_path(name)
    _swap_in(files, _checked_destination(destination), keep=tuple(sorted(keep)))


def _checked_destination(destination: Path) -> Path:
    absolute = Path(os.path.abspath(destination))
    for parent in [absolute, *absolute.parents]:
        if parent.is_symlink():
            raise OutputError(f"refusing to write through the symlink {parent}")
    if absolute.exists() and not absolute.is_dir():
        raise OutputError(f"{absolute} exists and is not a directory")
    return absolute


def _check_replaceable(destination: Path, *, force: bool) -> None:
    """Refuse a folder that is not a package, an edited package, or any change without force."""
    if not (destination / METADATA_FILE).is_file():
        if any(destination.iterdir()):
            raise OutputError(
                f"{destination} exists and is not a generated package; "
                "choose another --output-dir or remove it"
            )
        return
    edited = edited_files(destination)
    if edited:
        raise OutputError(
            f"{destination} has files edited by hand ({', '.join(edited)}); run "
            f"`agentflow integrate update {destination}` to regenerate it and keep the edits"
        )
    if not force:
        raise OutputError(
            f"{destination} already holds a package with different content; "
            "pass --force to replace it"
        )


def _swap_in(files: Mapping[str, str], destination: Path, *, keep: tuple[str, ...]) -> None:
    """Stage `files` plus the user's own files `keep`, then rename the stage into place."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        for name, text in sorted(files.items()):
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        for name in keep:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(destination / name, staging / name)
        if destination.exists():
            backup = Path(
                tempfile.mkdtemp(prefix=f".{destination.name}.old.", dir=destination.parent)
            )
            backup.rmdir()
            destination.rename(backup)
            try:
                staging.rename(destination)
            except OSError:
                backup.rename(destination)
                raise
            shutil.rmtree(backup, ignore_errors=True)
        else:
            staging.rename(destination)
    except OSError as exc:
        raise OutputError(f"could not write {destination}: {exc.strerror or exc}") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def present_files(destination: Path) -> set[str]:
    """Files in a package directory, ignoring tool caches and the pristine store."""
    found = set()
    for path in destination.rglob("*"):
        relative = path.relative_to(destination)
        if (
            path.is_file()
            and not any(p in _CACHE_DIRS or p.endswith(".egg-info") for p in relative.parts)
            and path.name != ".coverage"
            and not is_store_path(relative.as_posix())
        ):
            found.add(relative.as_posix())
    return found


def _recorded_files(destination: Path) -> set[str]:
    return set(_read_metadata(destination).get("files", {})) | {METADATA_FILE}


def _same_generated(destination: Path, files: Mapping[str, str]) -> bool:
    """Whether the generated files on disk equal `files`; the user's own files don't count."""
    return _recorded_files(destination) == set(files) and all(
        status == "unchanged" for status in planned_changes(files, destination).values()
    )


def _without_metadata(files: Mapping[str, str]) -> dict[str, str]:
    return {name: text for name, text in files.items() if name != METADATA_FILE}


def stable_metadata(raw: bytes | str) -> object:
    """metadata.json without what differs between builds of the same files (timings,
    validation, what each file cost: a cached answer is free); None when it is not JSON."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if isinstance(data, dict):
        for key in VOLATILE_METADATA_KEYS:
            data.pop(key, None)
        records = data.get("files")
        for record in records.values() if isinstance(records, dict) else ():
            if isinstance(record, dict):
                for key in VOLATILE_FILE_KEYS:
                    record.pop(key, None)
    return data


def _read_metadata(package_dir: Path) -> dict[str, dict[str, dict[str, str]]]:
    try:
        data = json.loads((package_dir / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

"""The write stage: put a package on disk, and never touch a file agentflow did not generate.

Where. `resolve_destination` resolves the package folder once, to its real path: a
symlinked ancestor (macOS's /tmp) is followed, but the folder itself must not be a link,
nothing is read or written through a link inside it, and every name is a plain relative path.

Who. One run at a time per package (`agentflow.package.lock`); deciding and writing happen
under the lock, so of two runs creating the same package one creates it and the other finds
it there (unchanged, or in its way).

What. A new package is written into a staging folder beside the destination, then renamed
into place. In a package that exists, only generated files are written or removed, each by one
rename (`agentflow.package.transaction`); the user's own files, links, empty folders and
virtualenvs stay exactly as they are. An existing package is replaced only with `force`, and
never when it was edited by hand: its files are checked against metadata.json's checksums, or
against the pristine store when metadata.json cannot be read (`integrate update` merges edits
instead). An identical regeneration writes nothing. Every write also stores the generated
files in the package's pristine store (`agentflow.package.pristine`), the base of the next merge.

What a reader sees. A new package appears whole. In an existing one, every file is at every
moment wholly old or wholly new, never partial or missing. All new bytes are staged before the
first rename, so a full disk, a size limit or a permission error changes nothing; the renames
then run in one burst (about a millisecond for a package), generated files first, then the
pristine store, metadata.json last. Only during that burst can a reader see new files beside
old ones, with metadata.json still describing the old generation. A failed rename or an
interrupt puts the old files back; only a killed process (SIGKILL, power loss) can leave that
mix behind, every file whole, and `integrate update` completes it. A snapshot of the package
taken before deciding is compared again right before the first rename: if anything changed
meanwhile, nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from agentflow.errors import OutputError
from agentflow.package.lock import package_lock
from agentflow.package.metadata import (
    METADATA_FILE,
    recorded_checksums,
    sha256_text,
    stable_metadata,
)
from agentflow.package.pristine import (
    PRISTINE_DIR,
    STORE_DIR,
    is_store_path,
    pristine_files,
    read_pristine,
    stale_store_files,
)
from agentflow.package.snapshot import Snapshot, changed_since, take_snapshot
from agentflow.package.transaction import (
    Change,
    file_error,
    lstat_mode,
    read_plain,
    replace_files,
    safe_relative_path,
    write_tree,
)

__all__ = [
    "Destination",
    "WriteOutcome",
    "check_destination",
    "edited_files",
    "edited_since",
    "planned_changes",
    "replace_package",
    "resolve_destination",
    "safe_relative_path",
    "unknown_edits",
    "write_package",
]


@dataclass(frozen=True)
class WriteOutcome:
    """What the write stage did: `status` is "created", "replaced" or "unchanged"; `plan`
    is what it found to do per file (`planned_changes`)."""

    path: Path
    status: str
    plan: dict[str, str]


def resolve_destination(destination: str | Path) -> Path:
    """The package folder `destination`, resolved once to its real path.

    Refuses a destination that is a symlink, that exists and is not a folder, or that lies
    under a regular file.
    """
    given = Path(destination)
    if os.path.islink(given):
        raise OutputError(
            f"{given} is a symlink; agentflow does not write through links: give the folder "
            "it points to"
        )
    resolved = Path(os.path.realpath(given))
    if not _folder_exists(resolved):
        _check_ancestors(resolved)
    return resolved


class Destination(NamedTuple):
    """A package folder checked before building, and its metadata.json as read then (None
    when there is no package, or its metadata.json is not a JSON object)."""

    path: Path
    metadata: dict[str, Any] | None


def check_destination(destination: str | Path) -> Destination:
    """`resolve_destination`, also refusing what `write_package` would refuse whatever the
    new files are: a folder that is not a package, or a package whose hand edits cannot be
    told. Called before building, so nobody waits for a refusal; the metadata.json read
    for that serves the build too (the previous version, the recorded backend)."""
    resolved = resolve_destination(destination)
    if not _folder_exists(resolved):
        return Destination(resolved, None)
    metadata, checksums = _recorded(resolved)
    _last_generation(resolved, checksums)
    return Destination(resolved, metadata if isinstance(metadata, dict) else None)


def edited_files(package_dir: Path) -> tuple[str, ...]:
    """Generated files of a package whose content differs from the last generation."""
    return edited_since(package_dir, _last_generation(package_dir, _recorded(package_dir)[1]) or {})


def edited_since(package_dir: Path, generation: Mapping[str, str]) -> tuple[str, ...]:
    """The files of a generation (`{file: sha256}`) that are missing or differ on disk."""
    edited = []
    for name, digest in sorted(generation.items()):
        current = read_plain(package_dir, name)
        if current is None or hashlib.sha256(current).hexdigest() != digest:
            edited.append(name)
    return tuple(edited)


def unknown_edits(package_dir: Path, problem: str) -> str:
    """Why a package's hand edits cannot be told: metadata.json's `problem` (from
    `recorded_checksums`) and no pristine store to fall back on."""
    return (
        f"{package_dir / METADATA_FILE} {problem}, and the package has no pristine store "
        f"({PRISTINE_DIR}/), so agentflow cannot tell which files were edited by hand; "
        f"restore {METADATA_FILE}, or move the package aside and create it again"
    )


def planned_changes(files: Mapping[str, str], destination: Path) -> dict[str, str]:
    """What writing `files` to `destination` would do, per file: new, changed or unchanged."""
    plan = {}
    for name, text in sorted(files.items()):
        current = read_plain(destination, name)
        if current is None:
            plan[name] = "new"
        elif name == METADATA_FILE:
            same = stable_metadata(current) == stable_metadata(text.encode())
            plan[name] = "unchanged" if same else "changed"
        else:
            plan[name] = "unchanged" if current == text.encode() else "changed"
    return plan


def write_package(
    files: Mapping[str, str], destination: Path, *, force: bool = False
) -> WriteOutcome:
    """Write the generated `{relative path: text}` as the package in `destination`.

    Files of an earlier generation that are no longer produced are removed; every other file
    in the folder is the user's and stays as it is.
    """
    for name in files:
        safe_relative_path(name)
    destination = resolve_destination(destination)
    generated = _without_metadata(files)
    staged = {**files, **pristine_files(generated)}
    with package_lock(destination):
        if not _folder_exists(destination):
            _create(staged, destination)
            return WriteOutcome(destination, "created", dict.fromkeys(sorted(files), "new"))
        snapshot = take_snapshot(destination)
        stored = read_pristine(destination)
        last = _last_generation(destination, _recorded(destination)[1], stored)
        plan = planned_changes(files, destination)
        if last is None:
            replace_package(staged, destination, unchanged_since=snapshot)
            return WriteOutcome(destination, "created", plan)
        if not _same_generation(files, last, plan):
            _check_replaceable(destination, last, force=force)
        elif stored == generated:
            return WriteOutcome(destination, "unchanged", plan)
        remove = sorted(set(last) - set(files)) + stale_store_files(stored, generated)
        replace_package(staged, destination, remove=remove, unchanged_since=snapshot)
    return WriteOutcome(destination, "replaced", plan)


def replace_package(
    files: Mapping[str, str],
    destination: Path,
    *,
    remove: Iterable[str] = (),
    unchanged_since: Snapshot | None = None,
) -> None:
    """Write `files` into the package folder `destination` and delete `remove`, all or
    nothing; every other entry of the folder stays as it is.

    The caller decides every file (this is how a merge result is written): `files` should
    include the pristine store, which is not added here. With `unchanged_since`, nothing is
    written when the package changed since that snapshot. The caller holds the package lock.
    """
    changes: list[Change] = [(name, text.encode("utf-8")) for name, text in files.items()]
    changes += [(name, None) for name in remove]
    changes.sort(key=_commit_order)
    names = [name for name, _ in changes]

    def unchanged() -> None:
        if unchanged_since is not None:
            _ensure_unchanged(unchanged_since, names)

    replace_files(destination, changes, scratch=STORE_DIR, check=unchanged)


def _create(files: Mapping[str, str], destination: Path) -> None:
    """Write a new package into a staging folder beside `destination`, then rename it there."""
    try:
        holder = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    except OSError as exc:
        raise file_error("write into", destination.parent, exc) from exc
    staging = holder / destination.name  # made with mkdir, not mkdtemp: the umask applies
    try:
        staging.mkdir()
        write_tree(staging, {name: text.encode("utf-8") for name, text in files.items()})
        staging.rename(destination)
    except OSError as exc:
        raise file_error("write", destination, exc, note="nothing was written") from exc
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def _last_generation(
    package_dir: Path,
    recorded: dict[str, str] | str | None,
    stored: Mapping[str, str] | None = None,
) -> dict[str, str] | None:
    """The last generation's `{file: sha256}`, from metadata.json's checksums (`recorded`,
    see `_recorded`) or else the pristine store (`stored` when the caller has read it).

    None for an empty folder; a folder that is not a package, or a package whose hand edits
    neither can tell, is refused.
    """
    if isinstance(recorded, dict):
        return recorded
    if stored is None:
        stored = read_pristine(package_dir)
    if stored is not None:
        return {name: sha256_text(text) for name, text in stored.items()}
    if recorded is not None:
        raise OutputError(unknown_edits(package_dir, recorded))
    if _has_entries(package_dir):
        raise OutputError(
            f"{package_dir} exists and is not a generated package; "
            "choose another --output-dir or remove it"
        )
    return None


def _recorded(package_dir: Path) -> tuple[Any, dict[str, str] | str | None]:
    """metadata.json, read and parsed once: its value (None when absent or not JSON) and
    its `recorded_checksums` (None when there is no metadata.json)."""
    raw = read_plain(package_dir, METADATA_FILE)
    if raw is None:
        return None, None
    try:
        metadata = json.loads(raw)
    except ValueError as exc:
        return None, f"is not valid JSON ({exc})"
    return metadata, recorded_checksums(metadata)


def _same_generation(
    files: Mapping[str, str], last: Mapping[str, str], plan: Mapping[str, str]
) -> bool:
    """Whether the generated files on disk equal `files` (`plan` says each is unchanged);
    the user's own files don't count."""
    return set(last) | {METADATA_FILE} == set(files) and all(
        status == "unchanged" for status in plan.values()
    )


def _check_replaceable(destination: Path, last: Mapping[str, str], *, force: bool) -> None:
    """Refuse to replace a package edited by hand, or any different package without force."""
    edited = edited_since(destination, last)
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


def _ensure_unchanged(snapshot: Snapshot, names: Iterable[str]) -> None:
    changed = changed_since(snapshot, names)
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if changed[5:] else "")
        raise OutputError(
            f"{shown} changed in {snapshot.root} while agentflow was working on it; nothing "
            "was written: run the command again"
        )


def _commit_order(change: Change) -> tuple[int, str]:
    """Generated files first, then the pristine store, metadata.json last."""
    name = change[0]
    return (2 if name == METADATA_FILE else 1 if is_store_path(name) else 0, name)


def _folder_exists(path: Path) -> bool:
    """Whether the package folder exists; a link or a file in its place is refused."""
    mode = lstat_mode(path)
    if mode is None:
        return False
    if stat.S_ISLNK(mode):
        raise OutputError(f"{path} is a symlink; agentflow does not write through links")
    if not stat.S_ISDIR(mode):
        raise OutputError(f"{path} exists and is not a folder; choose another output folder")
    return True


def _check_ancestors(path: Path) -> None:
    """Refuse a path whose nearest existing ancestor is not a folder."""
    for parent in path.parents:
        try:
            mode = os.stat(parent).st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise file_error("read", parent, exc) from exc
        if not stat.S_ISDIR(mode):
            raise OutputError(
                f"cannot write {path}: {parent} is a file, not a folder; "
                "choose another output folder"
            )
        return


def _has_entries(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(True for _ in entries)
    except OSError as exc:
        raise file_error("read", folder, exc) from exc


def _without_metadata(files: Mapping[str, str]) -> dict[str, str]:
    return {name: text for name, text in files.items() if name != METADATA_FILE}

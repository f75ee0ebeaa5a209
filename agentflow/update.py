"""`integrate update`: regenerate a package and keep what the user changed by hand.

Each generated file is merged three ways (`agentflow.package.merge`): the last generation from the
pristine store, the file on disk, and the new generation. Files the user added are never
touched. The result is validated in a private copy, then written by `replace_package` together
with the new metadata.json and the new pristine store: all or nothing, generated files only.
metadata.json's checksums describe the new generation, not the merged files, so `validate`
keeps reporting the user's edits as edits and `create --force` keeps refusing to overwrite them.

The package is locked for the whole update (`agentflow.package.lock`), and a snapshot of it is
taken before anything is read: if a file changes while the update runs (an editor saves it),
nothing is written and the error says which file changed. A dry run neither locks nor writes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.build import IntegrationBuilder, IntegrationPackage
from agentflow.errors import InputError
from agentflow.generation.orchestrator import SmartOrchestrator
from agentflow.package.files import is_tool_folder
from agentflow.package.lock import package_lock
from agentflow.package.merge import FileMerge, merge_file
from agentflow.package.metadata import (
    METADATA_FILE,
    dump_metadata,
    recorded_checksums,
    stable_metadata,
    validation_record,
)
from agentflow.package.pristine import pristine_files, read_pristine, stale_store_files
from agentflow.package.snapshot import Snapshot, take_snapshot
from agentflow.package.transaction import file_error, read_plain
from agentflow.package.writer import (
    edited_since,
    replace_package,
    resolve_destination,
    unknown_edits,
)
from agentflow.regeneration import (
    previous_version,
    recorded_backend,
    recorded_spec,
    regeneration_version,
)
from agentflow.settings import BackendSettings
from agentflow.spec.loader import SpecDocument, load_spec
from agentflow.workflows import building

if TYPE_CHECKING:
    from agentflow.validation import ValidationReport

__all__ = ["UpdateResult", "update_package"]


@dataclass(frozen=True)
class UpdateResult:
    """A package regenerated over itself: each file's merge, versions, and validation.

    `status` is "updated", "unchanged" (nothing to write) or "dry-run".
    """

    package_dir: Path
    status: str
    merges: tuple[FileMerge, ...]
    previous_version: str | None
    version: str
    report: ValidationReport | None

    @property
    def conflicts(self) -> list[str]:
        """Files written with conflict markers."""
        return [m.path for m in self.merges if m.action == "conflict"]


def update_package(
    package_dir: str | Path,
    requirements: str | Path | None = None,
    *,
    dry_run: bool = False,
    validate: bool = True,
    backend: BackendSettings | None = None,
) -> UpdateResult:
    """Regenerate `package_dir` from its recorded (or new) requirements, merging hand edits.

    `backend` defaults to the one that generated the package, with its default settings.
    """
    given = Path(package_dir)
    root = resolve_destination(given)
    with _locked(root, dry_run=dry_run) as snapshot:
        metadata = _package_metadata(root)
        previous = previous_version(root, metadata)
        settings = backend or BackendSettings(recorded_backend(metadata))
        document = _requirements(given, metadata, requirements)
        with building(given), SmartOrchestrator.from_settings(settings) as orchestrator:
            package = _regenerate(root, metadata, document, orchestrator)
        generated = {n: t for n, t in package.files.items() if n != METADATA_FILE}
        stored = read_pristine(root)
        merges = _merge_all(root, _last_generation(root, metadata, stored), generated)
        removed = [m.path for m in merges if m.before is not None and m.after is None]
        changed = _needs_write(merges, stored, generated, package, metadata)
        report = None
        if validate and not any(m.action == "conflict" for m in merges):
            with building(given):
                report = _validate_result(root, _merged_files(merges, package), removed)
            _record_validation(package, report)
        if changed and not dry_run:
            files = {**_merged_files(merges, package), **pristine_files(generated)}
            remove = removed + stale_store_files(stored, generated)
            replace_package(files, root, remove=remove, unchanged_since=snapshot)
    status = "dry-run" if dry_run else "updated" if changed else "unchanged"
    version = str(package.metadata["package_version"])
    return UpdateResult(given, status, tuple(merges), previous, version, report)


@contextmanager
def _locked(root: Path, *, dry_run: bool) -> Iterator[Snapshot | None]:
    """Hold the package's lock and yield a snapshot of it taken before anything is read.

    A dry run writes nothing, and a missing folder is reported when its metadata is read:
    neither takes the lock (nor a snapshot).
    """
    if dry_run or not root.is_dir():
        yield None
        return
    with package_lock(root):
        yield take_snapshot(root)


def _regenerate(
    root: Path,
    metadata: Mapping[str, Any],
    document: SpecDocument,
    orchestrator: SmartOrchestrator,
) -> IntegrationPackage:
    """The new generation, unvalidated, with the package's pattern unless `type:` says otherwise."""
    integration_type = document.spec.type or str(metadata.get("pattern") or "") or None
    regeneration = regeneration_version(
        document, root, metadata, integration_type=integration_type, orchestrator=orchestrator
    )
    return IntegrationBuilder(orchestrator, validate=False).build(
        document,
        integration_type=integration_type,
        package_version=regeneration.version,
        generated=regeneration.same,
    )


def _merged_files(merges: list[FileMerge], package: IntegrationPackage) -> dict[str, str]:
    """The generated files after the merge, with the new metadata.json."""
    files = {m.path: m.after for m in merges if m.after is not None}
    return {**files, METADATA_FILE: package.files[METADATA_FILE]}


def _package_metadata(root: Path) -> dict[str, Any]:
    """The package's metadata.json, read by validation's loader for its clear errors."""
    from agentflow.validation.package import load_package

    return load_package(root).metadata


def _requirements(
    root: Path, metadata: Mapping[str, Any], requirements: str | Path | None
) -> SpecDocument:
    """The new requirements file, or the recorded ones; the package's slug must not change."""
    if requirements is None:
        return recorded_spec(metadata, source=f"{root / METADATA_FILE}")
    document = load_spec(requirements)
    if document.spec.slug != metadata.get("slug"):
        raise InputError(
            f"{requirements} describes {document.spec.service!r} (package "
            f"{document.spec.slug!r}), but {root} holds {metadata.get('slug')!r}; update "
            "a package from requirements for the same service"
        )
    return document


def _last_generation(
    root: Path, metadata: Mapping[str, Any], stored: dict[str, str] | None
) -> dict[str, str]:
    """The base of the merge: the pristine store (`stored`), or unedited files for a package
    without one."""
    if stored is not None:
        return stored
    checksums = recorded_checksums(metadata)
    if isinstance(checksums, str):
        raise InputError(unknown_edits(root, checksums))
    edited = edited_since(root, checksums)
    if edited:
        raise InputError(
            f"{root} has no pristine store (it was made by an older agentflow), so edits to "
            f"{', '.join(edited)} cannot be merged; move those edits aside, regenerate with "
            "`agentflow integrate create --force`, then reapply them"
        )
    current = {name: _read(root, name) for name in checksums}
    return {name: text for name, text in current.items() if text is not None}


def _merge_all(
    root: Path, base: Mapping[str, str], generated: Mapping[str, str]
) -> list[FileMerge]:
    names = sorted(set(base) | set(generated))
    return [merge_file(n, base.get(n), _read(root, n), generated.get(n)) for n in names]


def _read(root: Path, name: str) -> str | None:
    """A generated file's text, None when absent; never read through a link."""
    data = read_plain(root, name)
    try:
        return None if data is None else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{root / name} cannot be read as UTF-8 text ({exc}); fix or remove it"
        ) from exc


def _needs_write(
    merges: list[FileMerge],
    stored: Mapping[str, str] | None,
    generated: Mapping[str, str],
    package: IntegrationPackage,
    metadata: Mapping[str, Any],
) -> bool:
    """Whether anything on disk would change: a file, the store or metadata's stable part."""
    return (
        any(m.changes_disk for m in merges)
        or stored != generated
        or stable_metadata(json.dumps(metadata)) != stable_metadata(json.dumps(package.metadata))
    )


def _validate_result(root: Path, files: Mapping[str, str], removed: list[str]) -> ValidationReport:
    """Validate the merged package, the user's own files included, in a private copy.

    The copy holds what validation looks at: hidden folders (a virtualenv, the store) and
    tool caches are left out, links are copied as links.
    """
    from agentflow.validation import validate_package

    with tempfile.TemporaryDirectory(prefix="agentflow-update-") as tmp:
        copy = Path(tmp) / "package"
        try:
            shutil.copytree(root, copy, symlinks=True, ignore=_outside_validation)
        except OSError as exc:
            raise file_error("copy", root, exc, note="it is copied to validate the merge") from exc
        replace_package(files, copy, remove=removed)
        return validate_package(copy)


def _outside_validation(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if is_tool_folder(n) and Path(folder, n).is_dir()]


def _record_validation(package: IntegrationPackage, report: ValidationReport) -> None:
    """Put the merged package's score into the new metadata.json."""
    package.metadata["validation"] = validation_record(report)
    package.metadata["build_metrics"]["validation_score"] = report.score
    package.files[METADATA_FILE] = dump_metadata(package.metadata)

"""`integrate update`: regenerate a package and keep what the user changed by hand.

Each generated file is merged three ways (`agentflow.merge`): the last generation from the
pristine store, the file on disk, and the new generation. Files the user added are kept. The
result is validated in a private copy, then swapped into place atomically together with the
new metadata.json and the new pristine store. metadata.json's checksums describe the new
generation, not the merged files, so `validate` keeps reporting the user's edits as edits and
`create --force` keeps refusing to overwrite them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.errors import InputError, OutputError
from agentflow.merge import FileMerge, merge_file
from agentflow.metadata import dump_metadata
from agentflow.orchestration.integration_builder import IntegrationBuilder, IntegrationPackage
from agentflow.orchestration.orchestrator import SmartOrchestrator
from agentflow.pristine import pristine_files, read_pristine
from agentflow.regeneration import (
    previous_version,
    recorded_backend,
    recorded_spec,
    regeneration_version,
)
from agentflow.settings import BackendSettings
from agentflow.spec.loader import SpecDocument, load_spec
from agentflow.writer import (
    METADATA_FILE,
    present_files,
    replace_package,
    sha256_text,
    stable_metadata,
)

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
    root = Path(package_dir)
    metadata = _package_metadata(root)
    previous = previous_version(root)
    settings = backend or BackendSettings(recorded_backend(root))
    document = _requirements(root, metadata, requirements)
    with SmartOrchestrator.from_settings(settings) as orchestrator:
        package = _regenerate(root, metadata, document, orchestrator)
    generated = {n: t for n, t in package.files.items() if n != METADATA_FILE}
    merges = _merge_all(root, _last_generation(root, metadata), generated)
    user_files = present_files(root) - {m.path for m in merges} - {METADATA_FILE}
    changed = _needs_write(root, merges, generated, package, metadata)
    report = None
    if validate and not any(m.action == "conflict" for m in merges):
        report = _validate_result(root, _merged_files(merges, package), user_files)
        _record_validation(package, report)
    if changed and not dry_run:
        files = {**_merged_files(merges, package), **pristine_files(generated)}
        replace_package(files, root, keep=user_files)
    status = "dry-run" if dry_run else "updated" if changed else "unchanged"
    version = str(package.metadata["package_version"])
    return UpdateResult(root, status, tuple(merges), previous, version, report)


def _regenerate(
    root: Path,
    metadata: Mapping[str, Any],
    document: SpecDocument,
    orchestrator: SmartOrchestrator,
) -> IntegrationPackage:
    """The new generation, unvalidated, with the package's pattern unless `type:` says otherwise."""
    integration_type = document.spec.type or str(metadata.get("pattern") or "") or None
    version = regeneration_version(
        document, root, integration_type=integration_type, orchestrator=orchestrator
    )
    return IntegrationBuilder(orchestrator, validate=False).build(
        document, integration_type=integration_type, package_version=version
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


def _last_generation(root: Path, metadata: Mapping[str, Any]) -> dict[str, str]:
    """The base of the merge: the pristine store, or unedited files for a package without one."""
    stored = read_pristine(root)
    if stored is not None:
        return stored
    recorded = metadata.get("files")
    recorded = recorded if isinstance(recorded, dict) else {}
    current = {name: _read(root, name) for name in recorded}
    edited = sorted(
        name
        for name, text in current.items()
        if text is None
        or not isinstance(recorded[name], dict)
        or sha256_text(text) != recorded[name].get("sha256")
    )
    if edited:
        raise InputError(
            f"{root} has no pristine store (it was made by an older agentflow), so edits to "
            f"{', '.join(edited)} cannot be merged; move those edits aside, regenerate with "
            "`agentflow integrate create --force`, then reapply them"
        )
    return {name: text for name, text in current.items() if text is not None}


def _merge_all(
    root: Path, base: Mapping[str, str], generated: Mapping[str, str]
) -> list[FileMerge]:
    names = sorted(set(base) | set(generated))
    return [merge_file(n, base.get(n), _read(root, n), generated.get(n)) for n in names]


def _read(root: Path, name: str) -> str | None:
    path = root / name
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} cannot be read as UTF-8 text ({exc}); fix or remove it") from exc


def _needs_write(
    root: Path,
    merges: list[FileMerge],
    generated: Mapping[str, str],
    package: IntegrationPackage,
    metadata: Mapping[str, Any],
) -> bool:
    """Whether anything on disk would change: a file, the store or metadata's stable part."""
    return (
        any(m.changes_disk for m in merges)
        or read_pristine(root) != generated
        or stable_metadata(json.dumps(metadata)) != stable_metadata(json.dumps(package.metadata))
    )


def _validate_result(
    root: Path, files: Mapping[str, str], user_files: set[str]
) -> ValidationReport:
    """Validate the merged package, the user's own files included, in a private copy."""
    from agentflow.validation import validate_package

    with tempfile.TemporaryDirectory(prefix="agentflow-update-") as tmp:
        copy = Path(tmp) / "package"
        try:
            shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        except OSError as exc:
            raise OutputError(f"could not copy {root} to validate the merge: {exc}") from exc
        replace_package(files, copy, keep=user_files)
        return validate_package(copy)


def _record_validation(package: IntegrationPackage, report: ValidationReport) -> None:
    """Put the merged package's score into the new metadata.json."""
    checks = {check.name: check.passed for check in report.checks}
    package.metadata["validation"] = {"score": report.score, "checks": checks}
    package.metadata["build_metrics"]["validation_score"] = report.score
    package.files[METADATA_FILE] = dump_metadata(package.metadata)

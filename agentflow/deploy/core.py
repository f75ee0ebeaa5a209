"""deploy, rollback and list: validate, build, then change the target all at once or not at all.

A deploy reads the package once, into a private copy: that copy is scanned for secrets,
validated (the gate), built and stored, and its checksum is what the history records, so an
edit to the package folder after that moment never ships. Then, holding the target's lock, it
stores the new version, publishes it and appends to the history inside one transaction: any
failure puts the target back exactly as it was.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from pydantic import ValidationError

from agentflow.deploy.build import (
    BuiltPackage,
    build_artifacts,
    content_sha256,
    copy_package,
    refuse_secrets,
)
from agentflow.deploy.history import (
    in_place,
    live_versions,
    matches,
    read_history,
    target_lock,
    utc_now,
    write_history,
)
from agentflow.deploy.publish import publish
from agentflow.deploy.record import DeploymentRecord, describe_errors
from agentflow.deploy.store import stage_version, stored_version_dir
from agentflow.deploy.targets import Target, parse_target
from agentflow.deploy.transaction import transaction
from agentflow.errors import (
    DeployConflict,
    DeployError,
    InputError,
    TargetError,
    ValidationFailed,
)
from agentflow.package.snapshot import sha256_file
from agentflow.validation import DEFAULT_MIN_SCORE, ValidationReport, validate_package
from agentflow.validation.package import load_package

__all__ = ["DeployResult", "deploy_package", "list_deployments", "rollback"]

DEFAULT_LOCK_TIMEOUT = 60.0


@dataclass(frozen=True)
class DeployResult:
    """What a deploy or rollback did: `status` is deployed, unchanged, dry-run or rolled-back."""

    status: str
    target: Target
    record: DeploymentRecord
    report: ValidationReport | None = None
    duration_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the record's fields plus status, target and validation."""
        return {
            **self.record.to_dict(),
            "status": self.status,
            "target": self.target.describe(),
            "target_kind": self.target.kind,
            "duration_seconds": round(self.duration_seconds, 3),
            "validation": None if self.report is None else self.report.to_dict(),
        }


def deploy_package(
    package_dir: str | Path,
    target: Target | str,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    force: bool = False,
    dry_run: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> DeployResult:
    """Validate, build and deploy the package at `package_dir` to `target`.

    Raises `ValidationFailed` below `min_score` unless `force`, `InputError` when the package
    would ship a symlink or a line that looks like a secret, `DeployConflict` when the version
    is already deployed there with other content, `DeployError` when a step fails.
    """
    started = time.perf_counter()
    where = parse_target(target) if isinstance(target, str) else target
    package = Path(package_dir)
    load_package(package)  # a folder that is not a package fails before anything is copied
    with (
        _os_errors("deploying", where),
        tempfile.TemporaryDirectory(prefix="agentflow-deploy-") as scratch_name,
    ):
        scratch = Path(scratch_name)
        shipped = scratch / "package"
        copy_package(package, shipped)  # the one read of the package folder
        refuse_secrets(shipped, shown_as=package)
        report, content = _validate(shipped, package)
        forced = _gate(report, min_score, force=force)
        built = build_artifacts(shipped, scratch / "build", shown_as=package)
        slug = load_package(shipped).slug
        record = _new_record(where, slug, built, content, report, min_score, forced=forced)
        if dry_run:
            status = _plan(read_history(where), record, where)
            return DeployResult(status, where, record, report, time.perf_counter() - started)
        with target_lock(where, timeout=lock_timeout):
            status, record = _apply(where, record, shipped, built, scratch)
    return DeployResult(status, where, record, report, time.perf_counter() - started)


def rollback(
    name: str, target: Target | str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
) -> DeployResult:
    """Make the version deployed before the live one of `name` live again, byte for byte."""
    started = time.perf_counter()
    where = parse_target(target) if isinstance(target, str) else target
    if not read_history(where):  # checked first, so that a wrong target gets no lock file
        raise InputError(f"nothing was ever deployed to {where.describe()}")
    with _os_errors("rolling back", where), target_lock(where, timeout=lock_timeout):
        records = read_history(where)
        stack = live_versions([r for r in records if matches(r, name, where)])
        if not stack:
            raise InputError(f"{name} was never deployed to {where.describe()}")
        if len(stack) < 2:
            raise DeployError(
                f"nothing to roll back to: {stack[-1].name} {stack[-1].version} is the only "
                f"version still deployed to {where.describe()}"
            )
        current, previous = stack[-1], stack[-2]
        record = dataclasses.replace(
            previous, action="rollback", deployed_at=utc_now(), previous_version=current.version
        )
        history = [*records, record]
        with (
            tempfile.TemporaryDirectory(prefix="agentflow-rollback-") as scratch,
            transaction(where.state_dir) as change,
        ):
            publish(change, where, record, live=current, history=history, scratch=Path(scratch))
            write_history(where, history)
    return DeployResult("rolled-back", where, record, None, time.perf_counter() - started)


def list_deployments(target: Target | str) -> list[DeploymentRecord]:
    """Every deploy and rollback recorded at `target`, oldest first."""
    where = parse_target(target, need_place=False) if isinstance(target, str) else target
    return [r for r in read_history(where) if in_place(r, where)]


def _new_record(
    where: Target,
    slug: str,
    built: BuiltPackage,
    content: str,
    report: ValidationReport,
    min_score: float,
    *,
    forced: bool,
) -> DeploymentRecord:
    """The record of deploying `built` to `where`, as it would be written now."""
    place = where.place(slug)
    try:
        return DeploymentRecord(
            action="deploy",
            name=built.name,
            slug=slug,
            version=built.version,
            content_sha256=content,
            artifacts={} if place else {a.name: sha256_file(a) for a in built.artifacts},
            target=where.describe(),
            place=None if place is None else place.as_posix(),
            deployed_at=utc_now(),
            score=report.score,
            min_score=min_score,
            forced=forced,
        )
    except ValidationError as exc:  # e.g. artifacts named unlike the distribution
        raise DeployError(
            f"cannot deploy {built.name} {built.version}: {describe_errors(exc)}"
        ) from None


def _validate(shipped: Path, package: Path) -> tuple[ValidationReport, str]:
    """Validate the private copy and return its report and checksum.

    The checksum is taken before and after: if validation changed the copy (a test writing
    into its own package), what would ship is not what was validated, so nothing ships.
    """
    content = content_sha256(shipped)
    report = validate_package(shipped)
    if content_sha256(shipped) != content:
        raise DeployError(
            f"validating {package} changed the package's files, so what would ship is not what "
            "was validated; nothing was deployed (the package's tests must not write into it)"
        )
    return dataclasses.replace(report, package=str(package)), content


@contextmanager
def _os_errors(doing: str, where: Target) -> Iterator[None]:
    """A failing file operation (disk full, permission denied) becomes a `DeployError`;
    the transaction has already put the target back."""
    try:
        yield
    except OSError as exc:
        raise DeployError(
            f"{doing} to {where.describe()} failed: {exc}; the target was left as it was"
        ) from exc


def _gate(report: ValidationReport, min_score: float, *, force: bool) -> bool:
    """Whether the deploy goes ahead only because of `force`; raises when it may not."""
    if report.passed(min_score):
        return False
    if not force:
        raise ValidationFailed(
            f"{report.package} scored {report.score:g}, below the minimum {min_score:g}; "
            "nothing was deployed (fix the package, or pass --force to deploy anyway)",
            report=report,
        )
    return True


def _plan(records: list[DeploymentRecord], record: DeploymentRecord, where: Target) -> str:
    """`unchanged` when identical content is live, `dry-run` when it would deploy."""
    _check_version_free(records, record)
    stack = live_versions([r for r in records if matches(r, record.name, where)])
    if not stack:
        _check_unclaimed(where, record)
    return "unchanged" if stack and _same(stack[-1], record) else "dry-run"


def _apply(
    where: Target, record: DeploymentRecord, shipped: Path, built: BuiltPackage, scratch: Path
) -> tuple[str, DeploymentRecord]:
    records = read_history(where)
    _check_version_free(records, record)
    stack = live_versions([r for r in records if matches(r, record.name, where)])
    if stack and _same(stack[-1], record):
        return "unchanged", stack[-1]
    previous = stack[-1] if stack else None
    if previous is None:
        _check_unclaimed(where, record)
    else:
        record = dataclasses.replace(record, previous_version=previous.version)
    stored = stored_version_dir(where, record.name, record.version)
    earlier = _recorded(records, record) if stored.is_dir() else None
    if earlier is not None:  # publish the stored bytes the history already vouches for
        record = dataclasses.replace(record, artifacts=earlier.artifacts)
    history = [*records, record]
    with transaction(where.state_dir) as change:
        if earlier is None:
            staged = stage_version(shipped, built, scratch / "stage", copy=bool(record.place))
            change.put_tree(staged, stored)
        publish(change, where, record, live=previous, history=history, scratch=scratch)
        write_history(where, history)
    return "deployed", record


def _recorded(records: list[DeploymentRecord], record: DeploymentRecord) -> DeploymentRecord | None:
    """The latest record of the same version stored the same way (artifacts or a copy)."""
    name = canonicalize_name(record.name)
    same = [
        r
        for r in records
        if (canonicalize_name(r.name), r.version) == (name, record.version)
        and (r.place is None) == (record.place is None)
    ]
    return same[-1] if same else None


def _check_unclaimed(where: Target, record: DeploymentRecord) -> None:
    """Refuse to replace files this target's history does not account for."""
    if record.place is not None:
        paths = [where.root / record.place]
    elif where.kind == "index":
        paths = [where.root / canonicalize_name(record.name)]
    else:
        paths = [where.root / name for name in record.artifacts]
    for path in paths:
        if path.exists() or path.is_symlink():
            raise TargetError(
                f"{path} already exists and was not deployed there by agentflow; "
                "move it away or choose another target"
            )


def _check_version_free(records: list[DeploymentRecord], record: DeploymentRecord) -> None:
    """Refuse a version that this target already holds with different content."""
    name = canonicalize_name(record.name)
    for other in records:
        same_version = canonicalize_name(other.name) == name and other.version == record.version
        if same_version and other.content_sha256 != record.content_sha256:
            raise DeployConflict(
                f"{record.name} {record.version} is already deployed to "
                f"{other.target} with different content; set a new `version:` in the "
                "requirements and regenerate the package"
            )


def _same(live: DeploymentRecord, record: DeploymentRecord) -> bool:
    return (live.version, live.content_sha256) == (record.version, record.content_sha256)

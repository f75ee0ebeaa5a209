"""Every version deployed to a target, kept in its store, and checked whenever it comes out.

`.agentflow-deploy/store/<name>/<version>/` holds a version's wheel and sdist (dist, index)
or its package copy (project). The store sits inside the target, where others can write, so
it is not trusted: a stored version is first copied to a private folder and checked there
against the history's SHA-256s, and only that checked copy is published. A mismatch or a
missing file refuses the deploy or rollback before anything changes.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from packaging.utils import canonicalize_name

from agentflow.deploy.build import BuiltPackage, content_sha256, copy_package
from agentflow.deploy.record import DeploymentRecord
from agentflow.deploy.targets import Target
from agentflow.errors import DeployError, InputError
from agentflow.package.snapshot import sha256_file

__all__ = ["checked_copy", "stage_version", "stored_version_dir"]

_PROJECT_COPY = "package"


def stored_version_dir(target: Target, name: str, version: str) -> Path:
    """Where one deployed version's artifacts (or project copy) are kept."""
    return target.state_dir / "store" / canonicalize_name(name) / version


def stage_version(shipped: Path, built: BuiltPackage, staged: Path, *, copy: bool) -> Path:
    """The folder to store for a new version: its artifacts, or a copy of the package."""
    staged.mkdir(parents=True)
    if copy:
        copy_package(shipped, staged / _PROJECT_COPY)
    else:
        for artifact in built.artifacts:
            shutil.copyfile(artifact, staged / artifact.name)
    return staged


def checked_copy(target: Target, record: DeploymentRecord, scratch: Path) -> Path:
    """A private copy of `record`'s stored version, holding exactly the recorded bytes.

    Artifacts must match their recorded SHA-256s, a project copy its `content_sha256`;
    `scratch` is a private folder that receives the copy.
    """
    stored = stored_version_dir(target, record.name, record.version)
    label = f"{record.name} {record.version}"
    if not stored.is_dir():
        raise DeployError(
            f"the store of {target.describe()} has lost {label} ({stored} is missing); "
            "nothing was changed"
        )
    checked = Path(tempfile.mkdtemp(prefix="checked-", dir=scratch)) / record.version
    if record.place is not None:
        _copy_project(stored / _PROJECT_COPY, checked, record, label)
    else:
        _copy_artifacts(stored, checked, record, label)
    return checked


def _copy_artifacts(stored: Path, checked: Path, record: DeploymentRecord, label: str) -> None:
    checked.mkdir(parents=True)
    for filename, digest in sorted(record.artifacts.items()):
        source = stored / filename
        if not source.is_file():
            raise DeployError(f"the store has lost {source} of {label}; nothing was changed")
        shutil.copyfile(source, checked / filename)
        if sha256_file(checked / filename) != digest:
            raise _tampered(source, label)


def _copy_project(stored: Path, checked: Path, record: DeploymentRecord, label: str) -> None:
    if not stored.is_dir():
        raise DeployError(f"the store has lost {stored} of {label}; nothing was changed")
    try:
        copy_package(stored, checked)
    except InputError as exc:  # a symlink planted in the store
        raise _tampered(stored, label) from exc
    if content_sha256(checked) != record.content_sha256:
        raise _tampered(stored, label)


def _tampered(path: Path, label: str) -> DeployError:
    return DeployError(
        f"{path} does not hold the bytes recorded for {label}: the store was changed "
        "outside agentflow; nothing was changed (restore the store from a backup)"
    )

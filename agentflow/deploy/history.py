"""The deployment history kept in each target, and the lock that serialises deploys.

The history is a JSON list of records, appended under the target's lock and replaced
atomically, so a reader sees either the old or the new list. Which version of a package is
live follows from the history alone: a deploy pushes a version, a rollback pops one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Literal

from packaging.utils import canonicalize_name
from pydantic import ConfigDict, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from agentflow.deploy.record import DeploymentRecord, describe_errors
from agentflow.deploy.targets import Target
from agentflow.errors import DeployError, DeployLockTimeout
from agentflow.package.lock import hold_lock_file
from agentflow.package.transaction import publish_file

__all__ = [
    "HISTORY_FILE",
    "LOCK_FILE",
    "in_place",
    "live_versions",
    "matches",
    "read_history",
    "target_lock",
    "utc_now",
    "write_history",
]

HISTORY_FILE = "history.json"
LOCK_FILE = "deploy.lock"

_RESTORE = (
    "restore it from a backup; nothing is deployed to or rolled back at this target "
    "while its history is invalid"
)


@dataclass(frozen=True, config=ConfigDict(strict=True))
class _HistoryFile:
    """The history file's shape: a format version and the records, oldest first."""

    version: Literal[1]
    records: list[DeploymentRecord]


_HISTORY = TypeAdapter(_HistoryFile)


def utc_now() -> str:
    """The current UTC time, to the second, in ISO 8601 with a `Z`."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def matches(record: DeploymentRecord, name: str, target: Target) -> bool:
    """Whether a record is about package `name` (distribution name or slug) at `target`.

    For a project target the place must be inside `--into`, when one is given.
    """
    wanted = canonicalize_name(name)
    if wanted not in {canonicalize_name(record.name), canonicalize_name(record.slug)}:
        return False
    return in_place(record, target)


def in_place(record: DeploymentRecord, target: Target) -> bool:
    """Whether a record's place is the target's `--into` folder (always, without one)."""
    if target.into is None:
        return True
    return record.place is not None and PurePosixPath(record.place).parent == target.into


def live_versions(records: Sequence[DeploymentRecord]) -> list[DeploymentRecord]:
    """The stack of deploys still in effect, oldest first; the last one is live."""
    stack: list[DeploymentRecord] = []
    for record in records:
        if record.action == "rollback":
            if stack:
                stack.pop()
        else:
            stack.append(record)
    return stack


def read_history(target: Target) -> list[DeploymentRecord]:
    """Every record in the target's history, oldest first; none if nothing was deployed.

    Each record is checked (`DeploymentRecord`): one that is malformed or points outside
    the target stops the deploy, rollback or listing before anything is changed.
    """
    path = target.state_dir / HISTORY_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise DeployError(f"the deployment history {path} is unreadable: {exc}") from exc
    try:
        return _HISTORY.validate_json(raw).records
    except ValidationError as exc:
        raise DeployError(
            f"the deployment history {path} is invalid: {describe_errors(exc)}; {_RESTORE}"
        ) from None


def write_history(target: Target, records: Sequence[DeploymentRecord]) -> None:
    """Replace the history file atomically (`publish_file`: a new file renamed into place)."""
    text = json.dumps(
        {"version": 1, "records": [r.to_dict() for r in records]}, indent=2, sort_keys=True
    )
    publish_file(target.state_dir / HISTORY_FILE, text + "\n", replace=True)


@contextmanager
def target_lock(target: Target, *, timeout: float) -> Iterator[None]:
    """Hold the target's lock file for the whole block; one deploy at a time per target."""
    path = target.state_dir / LOCK_FILE
    busy = DeployLockTimeout(
        f"another deploy to {target.describe()} has held its lock ({path}) "
        f"for over {timeout:g}s; try again when it has finished"
    )
    with hold_lock_file(path, timeout=timeout, busy=busy):
        yield

"""One deploy or rollback as its target's history records it, checked whenever it is made.

The history lives inside the target, where anyone who can write there can edit it, so every
record read back is untrusted input. Whatever becomes a path must stay where it belongs:
artifact names are the plain file names of that version's wheel or sdist, a place is a plain
relative path inside the project ending in the package's slug; names and versions are what
packaging accepts, hashes are hex SHA-256. The checks run on every record made, too, so
agentflow never writes a record it would refuse to read.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version
from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.dataclasses import dataclass
from pydantic_core import ErrorDetails

from agentflow.deploy.targets import STATE_DIR
from agentflow.errors import OutputError
from agentflow.package.transaction import safe_relative_path

__all__ = ["DeploymentRecord", "describe_errors"]

_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")  # PEP 508
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

Score = Annotated[float, Field(ge=0, le=100)]


@dataclass(frozen=True, config=ConfigDict(extra="forbid", strict=True))
class DeploymentRecord:
    """One deploy or rollback of one package version to one target."""

    action: Literal["deploy", "rollback"]
    name: str
    slug: str
    version: str
    content_sha256: str
    artifacts: dict[str, str]  # file name -> sha256 (dist and index targets)
    target: str
    place: str | None  # where the copy sits inside the project (project targets)
    deployed_at: str
    score: Score | None
    min_score: Score | None
    forced: bool
    previous_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dataclasses.asdict(self)

    @field_validator("name")
    @classmethod
    def _distribution_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r} is not a distribution name")
        return value

    @field_validator("slug")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not value.isidentifier():
            raise ValueError(f"{value!r} is not a package slug (a Python identifier)")
        return value

    @field_validator("version", "previous_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None:
            _parse_version(value)
        return value

    @field_validator("content_sha256")
    @classmethod
    def _sha256(cls, value: str) -> str:
        return _hex_sha256(value)

    @field_validator("artifacts")
    @classmethod
    def _artifact_files(cls, value: dict[str, str]) -> dict[str, str]:
        for filename, digest in value.items():
            if not _plain_file_name(filename):
                raise ValueError(f"{filename!r} is not a plain file name")
            _hex_sha256(digest)
        return value

    @field_validator("place")
    @classmethod
    def _inside_project(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            place = safe_relative_path(value)
        except OutputError:
            raise ValueError(f"{value!r} is not a plain relative path inside the project") from None
        if place.parts[0] == STATE_DIR:
            raise ValueError(f"{value!r} is inside agentflow's own {STATE_DIR} folder")
        return value

    @field_validator("deployed_at")
    @classmethod
    def _utc_time(cls, value: str) -> str:
        if not _UTC_TIME.match(value):
            raise ValueError(f"{value!r} is not a UTC time like 2026-01-31T12:00:00Z")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DeploymentRecord:
        """A record ships artifacts (dist, index) or a copy at a place (project), never both;
        the artifacts are this version's own, the place ends in the package's slug."""
        if (self.place is None) == (not self.artifacts):
            raise ValueError("a record names either artifacts (dist, index) or a place (project)")
        if self.place is not None and PurePosixPath(self.place).name != self.slug:
            raise ValueError(f"place {self.place!r} does not end in the slug {self.slug!r}")
        own = (canonicalize_name(self.name), Version(self.version))
        for filename in self.artifacts:
            if _artifact_of(filename) != own:
                raise ValueError(f"{filename!r} is not a wheel or sdist of {self.name} {own[1]}")
        return self


def describe_errors(exc: ValidationError) -> str:
    """`record 2: artifacts: Input should be an object; …`: where and what, one per problem."""
    return "; ".join(_describe(error) for error in exc.errors(include_url=False))


def _describe(error: ErrorDetails) -> str:
    loc = list(error["loc"])
    if len(loc) > 1 and loc[0] == "records" and isinstance(loc[1], int):
        loc[:2] = [f"record {loc[1] + 1}"]
    where = ": ".join(str(part) for part in loc)
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _plain_file_name(name: str) -> bool:
    """Whether `name` is one path part, not hidden: nothing that could point elsewhere."""
    try:
        parts = safe_relative_path(name).parts
    except OutputError:
        return False
    return len(parts) == 1 and not name.startswith(".")


def _parse_version(value: str) -> Version:
    if not _plain_file_name(value):
        raise ValueError(f"{value!r} is not a version")
    try:
        return Version(value)
    except InvalidVersion:
        raise ValueError(f"{value!r} is not a version") from None


def _hex_sha256(value: str) -> str:
    if not _SHA256.match(value):
        raise ValueError("not a hex SHA-256 digest (64 lowercase hex digits)")
    return value


def _artifact_of(filename: str) -> tuple[str, Version] | None:
    """(canonical name, version) of a wheel or sdist file name, or None."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return str(name), version

"""Pydantic models of a requirements file's envelope; patterns validate `requirements:`.

Every model forbids unknown keys, so a typo is an error rather than a silently ignored
setting. Numbers and booleans are strict: YAML already types them, so `timeout: true` or
`body: "yes"` is a mistake to report, not a value to coerce.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agentflow.naming import slugify

__all__ = ["IntegrationSpec", "StrictModel"]

_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")


class StrictModel(BaseModel):
    """Base of every requirements model: unknown keys are errors; values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class IntegrationSpec(StrictModel):
    """The envelope of a requirements file; `requirements` is validated by the pattern."""

    service: str = Field(min_length=1, max_length=100)
    type: str | None = None
    description: str = Field(default="", max_length=2000)
    version: str | None = None
    requirements: dict[str, Any] = Field(default_factory=dict)

    @field_validator("service")
    @classmethod
    def _service_has_a_slug(cls, value: str) -> str:
        if not slugify(value):
            raise ValueError(
                "must contain at least one ASCII letter or digit to derive the package name"
            )
        return value

    @field_validator("version")
    @classmethod
    def _dotted_version(cls, value: str | None) -> str | None:
        if value is not None and not _VERSION.match(value):
            raise ValueError(f"{value!r} is not a version; write 1, 1.2 or 1.2.3")
        return value

    @property
    def slug(self) -> str:
        """The package slug: lowercase ASCII identifier derived from the service name."""
        return slugify(self.service)

"""What a backend is: something that turns one subtask into the text of one file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from agentflow.patterns.base import IntegrationPattern, Subtask

__all__ = ["Backend", "GeneratedFile", "GenerationRequest", "Revision"]


@dataclass(frozen=True)
class Revision:
    """A file to produce again: its previous text and what was wrong with it."""

    previous: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class GenerationRequest:
    """Everything a backend needs to produce one subtask's file.

    `dependencies` holds the final text of the files this subtask depends on, by path;
    `revision`, when set, asks for a corrected version of an earlier answer (backends that
    render templates ignore it).
    """

    subtask: Subtask
    pattern: IntegrationPattern
    context: Mapping[str, Any]
    path: str
    dependencies: Mapping[str, str] = field(default_factory=dict)
    revision: Revision | None = None


@dataclass(frozen=True)
class GeneratedFile:
    """One produced file with its provenance and what it cost."""

    path: str
    text: str
    subtask: str | None
    provenance: str
    cost: float = 0.0
    tokens: int = 0


class Backend(Protocol):
    """Produces the file of one subtask. `name` is recorded as provenance."""

    name: str

    def generate(self, request: GenerationRequest) -> GeneratedFile:
        """Produce the file for `request`."""
        ...

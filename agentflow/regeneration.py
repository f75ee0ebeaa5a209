"""Regenerating an existing package: its recorded input, and the version the new one gets.

Without `version:` in the requirements, a regeneration keeps the previous package's version
when the generated files come out the same, and bumps its patch number (0.1.0 → 0.1.1) when
they change. An explicit `version:` always wins. With a model backend the files are not
rendered twice (that would pay for every model call once more, and record the second, cached
build as free): the version is kept when the input, the agentflow and template versions and
the backend are those recorded in the previous package's metadata.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from agentflow import __version__
from agentflow.build import generate, select
from agentflow.errors import InputError
from agentflow.generation.context import TEMPLATE_VERSION
from agentflow.generation.orchestrator import SmartOrchestrator
from agentflow.package.metadata import METADATA_FILE, sha256_text
from agentflow.spec.loader import SpecDocument, parse_spec

if TYPE_CHECKING:
    from agentflow.generation.generate import GeneratedPackage

__all__ = [
    "Regeneration",
    "bump_patch",
    "previous_version",
    "recorded_backend",
    "recorded_spec",
    "regeneration_version",
]

_PYPROJECT_VERSION = re.compile(r'^version = "(\d+(?:\.\d+){0,2})"$', re.MULTILINE)


def bump_patch(version: str) -> str:
    """The next patch version: 0.1.0 → 0.1.1; `1` and `1.2` count as 1.0.0 and 1.2.0."""
    parts = [int(part) for part in version.split(".")]
    major, minor, patch = (parts + [0, 0])[:3]
    return f"{major}.{minor}.{patch + 1}"


def previous_version(package_dir: Path, metadata: Mapping[str, Any] | None) -> str | None:
    """The version a generated package was made with (`metadata`: its metadata.json), or
    None when there is no package."""
    if metadata is None:
        return None
    recorded = metadata.get("package_version")
    if isinstance(recorded, str):
        return recorded
    try:  # packages made before metadata recorded it: their generated pyproject.toml
        found = _PYPROJECT_VERSION.search((package_dir / "pyproject.toml").read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return None if found is None else found.group(1)


def recorded_backend(metadata: Mapping[str, Any] | None) -> str:
    """The backend a package was generated with, from its metadata.json ("template" when it
    does not say)."""
    backend = (metadata or {}).get("backend")
    return backend if isinstance(backend, str) and backend else "template"


class Regeneration(NamedTuple):
    """The version a regeneration gets (None: the requirements decide) and, when the files
    came out the same as the package's, that generation, so it is not made twice."""

    version: str | None
    same: GeneratedPackage | None = None


def regeneration_version(
    document: SpecDocument,
    package_dir: Path,
    metadata: Mapping[str, Any] | None,
    *,
    orchestrator: SmartOrchestrator,
    integration_type: str | None = None,
) -> Regeneration:
    """The version to generate with over `package_dir` (`metadata`: its metadata.json).

    The package is generated once with the previous version (generation alone: no metadata,
    no validation); if its files differ from the previous generation, the patch number is
    bumped, else that generation is returned for the build to use.
    """
    previous = previous_version(package_dir, metadata)
    if document.spec.version is None and previous is not None and metadata is not None:
        if orchestrator.calls_models:
            same = _same_inputs(document, metadata, orchestrator.backend_name)
            return Regeneration(previous if same else bump_patch(previous))
        selected = select(document, integration_type=integration_type, package_version=previous)
        probe = generate(selected, orchestrator)
        if _same_generation(probe.files, metadata):
            return Regeneration(previous, probe)
        return Regeneration(bump_patch(previous))
    return Regeneration(None)


def recorded_spec(metadata: Mapping[str, Any], *, source: str) -> SpecDocument:
    """The requirements a package was generated from, rebuilt from its metadata.json."""
    recorded = metadata.get("source_spec")
    if not isinstance(recorded, dict):
        raise InputError(
            f"{source} does not record the requirements it was generated from (it was made by "
            "an older agentflow); pass the requirements file: "
            "agentflow integrate update DIR REQUIREMENTS"
        )
    document = parse_spec(json.dumps(recorded, indent=1, sort_keys=True), source=source)
    input_sha256 = metadata.get("input_sha256")
    if isinstance(input_sha256, str):  # the same input, so the same recorded checksum
        document = dataclasses.replace(document, input_sha256=input_sha256)
    return document


def _same_generation(files: Mapping[str, str], metadata: Mapping[str, Any]) -> bool:
    """Whether `files` equal the generation recorded in the package's metadata checksums."""
    recorded = metadata.get("files")
    if not isinstance(recorded, dict):
        return False
    generated = {name: text for name, text in files.items() if name != METADATA_FILE}
    return set(recorded) == set(generated) and all(
        isinstance(recorded[name], dict) and recorded[name].get("sha256") == sha256_text(text)
        for name, text in generated.items()
    )


def _same_inputs(document: SpecDocument, metadata: Mapping[str, Any], backend: str) -> bool:
    """Whether the previous package was made from this input, by this agentflow and backend."""
    current = {
        "input_sha256": document.input_sha256,
        "agentflow_version": __version__,
        "template_version": TEMPLATE_VERSION,
        "backend": backend,
    }
    return all(metadata.get(key) == value for key, value in current.items())

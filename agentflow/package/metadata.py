"""metadata.json: how a package was made, so it can be checked, compared and regenerated.

Everything but `build_metrics` and `validation` (timings, and a score measured by running the
package's tests) is determined by the input, so two generations of the same requirements
compare equal once those two are set aside. `source_spec` is the input as written (with `type`
resolved), which is how `integrate update` regenerates a package without its requirements
file; `package_version` is the version the package was generated with.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow import __version__
from agentflow.errors import InputError, OutputError
from agentflow.generation.context import TEMPLATE_VERSION
from agentflow.package.pristine import is_store_path
from agentflow.package.transaction import safe_relative_path

if TYPE_CHECKING:
    from agentflow.generation.backends import GeneratedFile
    from agentflow.patterns.base import PatternMatch
    from agentflow.validation import ValidationReport

__all__ = [
    "METADATA_FILE",
    "VOLATILE_METADATA_KEYS",
    "build_metadata",
    "dump_metadata",
    "load_metadata",
    "read_metadata",
    "recorded_checksums",
    "sha256_text",
    "stable_metadata",
    "validation_record",
]

METADATA_FILE = "metadata.json"
VOLATILE_METADATA_KEYS = ("build_metrics", "validation")
VOLATILE_FILE_KEYS = ("cost", "tokens")


def build_metadata(
    *,
    service: str,
    slug: str,
    pattern: str,
    source_spec: Mapping[str, Any],
    package_version: str,
    backend: str,
    input_sha256: str,
    requirements: Mapping[str, Any],
    scores: Sequence[PatternMatch],
    files: Mapping[str, str],
    produced: Iterable[GeneratedFile],
) -> dict[str, Any]:
    """The deterministic part of metadata.json; validation and metrics are added later."""
    provenance = {g.path: g for g in produced}
    return {
        "agentflow_version": __version__,
        "template_version": TEMPLATE_VERSION,
        "service": service,
        "slug": slug,
        "pattern": pattern,
        "source_spec": dict(source_spec),
        "package_version": package_version,
        "backend": backend,
        "input_sha256": input_sha256,
        "requirements": dict(requirements),
        "scores": [m.to_dict() for m in scores],
        "files": {
            path: _file_record(text, provenance.get(path))
            for path, text in sorted(files.items())
            if path != METADATA_FILE
        },
    }


def _file_record(text: str, generated: GeneratedFile | None) -> dict[str, Any]:
    record: dict[str, Any] = {"sha256": sha256_text(text)}
    if generated is None:
        record.update(provenance="support", subtask=None)
    else:
        record.update(
            provenance=generated.provenance,
            subtask=generated.subtask,
            cost=generated.cost,
            tokens=generated.tokens,
        )
    return record


def dump_metadata(metadata: Mapping[str, Any]) -> str:
    """metadata.json text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(metadata, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def validation_record(report: ValidationReport | None) -> dict[str, Any]:
    """metadata.json's `validation`: the score, each check's verdict and the isolation the
    package's code ran in (all None/empty when the package was not validated)."""
    if report is None:
        return {"score": None, "checks": {}, "isolation": None}
    return {
        "score": report.score,
        "checks": {check.name: check.passed for check in report.checks},
        "isolation": None if report.isolation is None else report.isolation.to_dict(),
    }


def sha256_text(text: str) -> str:
    """Hex SHA-256 of text encoded as UTF-8: the checksum recorded in metadata.json."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stable_metadata(raw: bytes | str) -> object:
    """metadata.json without what differs between builds of the same files (timings,
    validation, what each file cost: a cached answer is free); None when it is not JSON."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if isinstance(data, dict):
        for key in VOLATILE_METADATA_KEYS:
            data.pop(key, None)
        records = data.get("files")
        for record in records.values() if isinstance(records, dict) else ():
            if isinstance(record, dict):
                for key in VOLATILE_FILE_KEYS:
                    record.pop(key, None)
    return data


def recorded_checksums(metadata: object) -> dict[str, str] | str:
    """The generated files' `{file: sha256}` recorded in metadata.json (parsed), or why they
    cannot be used: a phrase following metadata.json's path (`unknown_edits`)."""
    if not isinstance(metadata, dict):
        return f"holds {_json_kind(metadata)}, not an object"
    if "files" not in metadata:
        return "has no 'files'"
    records = metadata["files"]
    if not isinstance(records, dict):
        return f"has {_json_kind(records)} as 'files', not an object of checksums"
    checksums = {}
    for name, record in records.items():
        digest = record.get("sha256") if isinstance(record, dict) else None
        if not isinstance(digest, str):
            return f"records no sha256 checksum for {name!r} in 'files'"
        try:
            safe_relative_path(name)
        except OutputError:
            return f"records {name!r} in 'files', which is not a plain relative path"
        if name != METADATA_FILE and not is_store_path(name):
            checksums[name] = digest
    return checksums


def _json_kind(value: object) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return kinds.get(type(value), "a number")


def read_metadata(package_dir: Path) -> dict[str, Any] | None:
    """A package's metadata.json, None when there is none or it is not a JSON object."""
    try:
        data = json.loads((package_dir / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def load_metadata(package_dir: Path) -> dict[str, Any]:
    """A package's metadata.json, parsed; corruption is the user's to fix, so it is an
    `InputError` naming the file and what to do."""
    metadata_path = package_dir / METADATA_FILE
    try:
        data = json.loads(metadata_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{metadata_path} cannot be read: {exc}; pass the folder of a package made by "
            "`agentflow integrate create`"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{metadata_path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); "
            "restore it or regenerate the package"
        ) from exc
    if not isinstance(data, dict):
        raise InputError(
            f"{metadata_path}: expected a JSON object, got {type(data).__name__}; "
            "restore it or regenerate the package"
        )
    return data

"""metadata.json: how a package was made, so it can be checked, compared and regenerated.

Everything but `build_metrics` and `validation` (timings, and a score measured by running the
package's tests) is determined by the input, so two generations of the same requirements
compare equal once those two are set aside. `source_spec` is the input as written (with `type`
resolved), which is how `integrate update` regenerates a package without its requirements
file; `package_version` is the version the package was generated with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from agentflow import __version__
from agentflow.orchestration.backends import GeneratedFile
from agentflow.orchestration.context import TEMPLATE_VERSION
from agentflow.orchestration.integration_patterns import PatternMatch
from agentflow.writer import METADATA_FILE, sha256_text

if TYPE_CHECKING:
    from agentflow.validation import ValidationReport

__all__ = ["METADATA_FILE", "build_metadata", "dump_metadata", "validation_record"]


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

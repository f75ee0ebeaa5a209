"""The user guide's import path for the builder and the orchestrator.

`IntegrationBuilder` and `IntegrationPackage` live in `agentflow.build`, `SmartOrchestrator` in
`agentflow.generation.orchestrator`; `.integration_patterns` and `.utils` beside this module
re-export the pattern classes and the runtime helpers. The names are imported lazily, so
importing `agentflow.orchestration.utils` (or the CLI's `--help`) does not pay for the whole
pipeline.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentflow.build import (
        IntegrationBuilder,
        IntegrationPackage,
    )
    from agentflow.generation.orchestrator import SmartOrchestrator

__all__ = ["IntegrationBuilder", "IntegrationPackage", "SmartOrchestrator"]

_HOMES = {
    "IntegrationBuilder": "agentflow.build",
    "IntegrationPackage": "agentflow.build",
    "SmartOrchestrator": "agentflow.generation.orchestrator",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)

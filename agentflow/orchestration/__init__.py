"""Orchestration: patterns, backends, the orchestrator and the builder.

The public names are imported lazily, so importing `agentflow.orchestration.utils` (or the
CLI's `--help`) does not pay for the whole pipeline.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentflow.orchestration.integration_builder import (
        IntegrationBuilder,
        IntegrationPackage,
    )
    from agentflow.orchestration.orchestrator import SmartOrchestrator

__all__ = ["IntegrationBuilder", "IntegrationPackage", "SmartOrchestrator"]

_HOMES = {
    "IntegrationBuilder": "agentflow.orchestration.integration_builder",
    "IntegrationPackage": "agentflow.orchestration.integration_builder",
    "SmartOrchestrator": "agentflow.orchestration.orchestrator",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)

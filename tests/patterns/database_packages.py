"""Database packages for the pattern's tests: requirements validated, files rendered once
per service and requirements."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from agentflow.generation.generate import render_package
from agentflow.patterns.database import DatabasePattern
from agentflow.patterns.database.requirements import DatabaseRequirements
from agentflow.spec.models import IntegrationSpec

__all__ = ["clear_renders", "render", "requirements"]


def requirements(data: dict[str, Any]) -> DatabaseRequirements:
    return DatabaseRequirements.model_validate(data)


@cache
def _rendered(service: str, text: str) -> dict[str, str]:
    data = json.loads(text)
    spec = IntegrationSpec.model_validate(
        {"service": service, "type": "database", "requirements": data}
    )
    return render_package(spec, DatabasePattern(), requirements(data))


def render(service: str, data: dict[str, Any]) -> dict[str, str]:
    """The package's files, rendered once per service and requirements."""
    return _rendered(service, json.dumps(data, sort_keys=True))


def clear_renders() -> None:
    """Forget every rendered package, so the next `render` renders afresh."""
    _rendered.cache_clear()

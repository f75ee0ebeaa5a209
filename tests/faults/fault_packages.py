"""Generated packages for the fault tests: rendered into a temporary folder and imported, so
a test drives the adapter in-process against the real service."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from agentflow.generation.generate import render_package
from agentflow.patterns.database import DatabasePattern
from agentflow.patterns.database.requirements import DatabaseRequirements
from agentflow.patterns.message_queue import MessageQueuePattern
from agentflow.patterns.message_queue.requirements import MessageQueueRequirements
from agentflow.spec.models import IntegrationSpec

_PATTERNS: dict[str, tuple[Any, type[Any]]] = {
    "database": (DatabasePattern(), DatabaseRequirements),
    "message_queue": (MessageQueuePattern(), MessageQueueRequirements),
}


def generate(folder: Path, service: str, kind: str, requirements: dict[str, Any]) -> ModuleType:
    """Render the package for `service` into `folder` and import its adapter."""
    spec = IntegrationSpec.model_validate(
        {"service": service, "type": kind, "requirements": requirements}
    )
    pattern, model = _PATTERNS[kind]
    files = render_package(spec, pattern, model.model_validate(requirements))
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(folder))
    return importlib.import_module(f"{spec.slug}_adapter")

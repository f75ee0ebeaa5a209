"""The template variables every pattern's templates receive."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agentflow import __version__
from agentflow.naming import class_name, package_names
from agentflow.spec.models import IntegrationSpec

__all__ = ["TEMPLATE_VERSION", "common_context"]

# Bump when any template's output changes, so metadata tells which generation made a file.
TEMPLATE_VERSION = "1"
DEFAULT_PACKAGE_VERSION = "0.1.0"


def common_context(spec: IntegrationSpec, requirements: BaseModel) -> dict[str, Any]:
    """Variables shared by all templates; the pattern's `build_context` adds its own.

    `config` is the normalized requirements as plain data (for config.yaml and docs).
    """
    return {
        "service": spec.service,
        "slug": spec.slug,
        "class_prefix": class_name(spec.service),
        "description": spec.description or f"{spec.service} integration",
        "version": spec.version or DEFAULT_PACKAGE_VERSION,
        "agentflow_version": __version__,
        "template_version": TEMPLATE_VERSION,
        "config": requirements.model_dump(mode="json", by_alias=True),
        **package_names(spec.slug),
    }

"""Template context for the API pattern (placeholder until the templates land)."""

from __future__ import annotations

from typing import Any

from agentflow.spec.models import ApiRequirements


def build_api_context(requirements: ApiRequirements, *, slug: str) -> dict[str, Any]:
    """Template variables for an API package."""
    return {"api": requirements}

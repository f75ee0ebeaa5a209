"""The REST API pattern: an httpx client package for an HTTP service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from agentflow.orchestration.integration_patterns import (
    IntegrationPattern,
    PatternMatch,
)
from agentflow.orchestration.patterns.api_context import build_api_context
from agentflow.orchestration.patterns.api_rules import check_api_package
from agentflow.spec.models import ApiRequirements


class ApiPattern(IntegrationPattern):
    """REST/HTTP APIs: sync and async httpx clients with one typed method per endpoint."""

    name = "api"
    description = "REST/HTTP API client (httpx, sync and async)"
    requirements_model = ApiRequirements

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        reasons = []
        score = 0.0
        if "base_url" in requirements:
            score += 0.6
            reasons.append("has base_url")
        if "endpoints" in requirements:
            score += 0.3
            reasons.append("declares endpoints")
        return PatternMatch(self.name, min(score, 1.0), tuple(reasons))

    def build_context(self, requirements: BaseModel, *, slug: str) -> dict[str, Any]:
        assert isinstance(requirements, ApiRequirements)
        return build_api_context(requirements.resolved(slug), slug=slug)

    def validate(self, generated_code: Mapping[str, str]) -> list[str]:
        return check_api_package(generated_code)

"""The auth pattern: recognised and scored; generation comes in a later version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.orchestration.integration_patterns import (
    IntegrationPattern,
    PatternMatch,
)


class AuthPattern(IntegrationPattern):
    """Auth providers (OAuth2 token endpoints, OIDC)."""

    name = "auth"
    description = "Auth providers (OAuth2 token endpoints, OIDC)"
    available = False

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        return PatternMatch(self.name, 0.0, ())

"""The database pattern: recognised and scored; generation comes in a later version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.orchestration.integration_patterns import (
    IntegrationPattern,
    PatternMatch,
)


class DatabasePattern(IntegrationPattern):
    """SQL and NoSQL databases."""

    name = "database"
    description = "SQL and NoSQL databases"
    available = False

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        return PatternMatch(self.name, 0.0, ())

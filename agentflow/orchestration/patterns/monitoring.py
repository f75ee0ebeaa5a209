"""The monitoring pattern: recognised and scored; generation comes in a later version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.orchestration.integration_patterns import (
    IntegrationPattern,
    PatternMatch,
)


class MonitoringPattern(IntegrationPattern):
    """Monitoring systems (metrics, Prometheus pushgateway, StatsD)."""

    name = "monitoring"
    description = "Monitoring systems (metrics, Prometheus pushgateway, StatsD)"
    available = False

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        return PatternMatch(self.name, 0.0, ())

"""The monitoring pattern."""

from agentflow.patterns.monitoring.pattern import MonitoringPattern

__all__ = ["MonitoringPattern"]

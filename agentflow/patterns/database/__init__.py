"""The database pattern."""

from agentflow.patterns.database.pattern import DatabasePattern

__all__ = ["DatabasePattern"]

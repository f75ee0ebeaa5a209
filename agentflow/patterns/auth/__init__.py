"""The auth pattern."""

from agentflow.patterns.auth.pattern import AuthPattern

__all__ = ["AuthPattern"]

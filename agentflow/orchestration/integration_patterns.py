"""The seed guide's import path for the pattern classes; they live in `agentflow.patterns`."""

from agentflow.patterns import IntegrationPattern, PatternMatch, Subtask

__all__ = ["IntegrationPattern", "PatternMatch", "Subtask"]

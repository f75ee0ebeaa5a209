"""The REST API pattern: requirements model, context builder, naming, rules and mutants."""

from agentflow.patterns.api.pattern import ApiPattern

__all__ = ["ApiPattern"]

"""Requirements files: models and loading."""

from agentflow.spec.models import ApiRequirements, IntegrationSpec

__all__ = ["ApiRequirements", "IntegrationSpec"]

"""Requirements files: safe YAML parsing, models and located validation errors."""

from agentflow.spec.loader import SpecDocument, load_spec, parse_spec
from agentflow.spec.models import IntegrationSpec
from agentflow.spec.yaml_source import YamlDocument, parse_yaml

__all__ = [
    "IntegrationSpec",
    "SpecDocument",
    "YamlDocument",
    "load_spec",
    "parse_spec",
    "parse_yaml",
]

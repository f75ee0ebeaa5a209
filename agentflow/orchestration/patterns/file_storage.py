"""The file_storage pattern: recognised and scored; generation comes in a later version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.orchestration.integration_patterns import (
    IntegrationPattern,
    PatternMatch,
)


class FileStoragePattern(IntegrationPattern):
    """Object and file storage (S3-compatible buckets)."""

    name = "file_storage"
    description = "Object and file storage (S3-compatible buckets)"
    available = False

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        return PatternMatch(self.name, 0.0, ())

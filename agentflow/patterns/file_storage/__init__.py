"""The file storage pattern."""

from agentflow.patterns.file_storage.pattern import FileStoragePattern

__all__ = ["FileStoragePattern"]

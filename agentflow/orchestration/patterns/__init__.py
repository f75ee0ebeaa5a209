"""The six built-in patterns."""

from agentflow.orchestration.patterns.api import ApiPattern
from agentflow.orchestration.patterns.auth import AuthPattern
from agentflow.orchestration.patterns.database import DatabasePattern
from agentflow.orchestration.patterns.file_storage import FileStoragePattern
from agentflow.orchestration.patterns.message_queue import MessageQueuePattern
from agentflow.orchestration.patterns.monitoring import MonitoringPattern

__all__ = [
    "BUILTIN_PATTERNS",
    "ApiPattern",
    "AuthPattern",
    "DatabasePattern",
    "FileStoragePattern",
    "MessageQueuePattern",
    "MonitoringPattern",
]

BUILTIN_PATTERNS = (
    ApiPattern,
    AuthPattern,
    DatabasePattern,
    FileStoragePattern,
    MessageQueuePattern,
    MonitoringPattern,
)

"""The six built-in patterns."""

from agentflow.patterns.api import ApiPattern
from agentflow.patterns.auth import AuthPattern
from agentflow.patterns.database import DatabasePattern
from agentflow.patterns.file_storage import FileStoragePattern
from agentflow.patterns.message_queue import MessageQueuePattern
from agentflow.patterns.monitoring import MonitoringPattern

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

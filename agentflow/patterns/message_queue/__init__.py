"""The message queue pattern."""

from agentflow.patterns.message_queue.pattern import MessageQueuePattern

__all__ = ["MessageQueuePattern"]

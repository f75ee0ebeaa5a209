"""The message_queue pattern: recognised and scored; generation comes in a later version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.orchestration.integration_patterns import (
    IntegrationPattern,
    PatternMatch,
)


class MessageQueuePattern(IntegrationPattern):
    """Message brokers (AMQP, MQTT, NATS, Kafka, Redis streams)."""

    name = "message_queue"
    description = "Message brokers (AMQP, MQTT, NATS, Kafka, Redis streams)"
    available = False

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        return PatternMatch(self.name, 0.0, ())

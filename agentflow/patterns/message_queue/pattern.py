"""The message_queue pattern: recognised and scored; generation comes in a later version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.patterns import IntegrationPattern, PatternMatch
from agentflow.patterns.signals import (
    KeySignal,
    Scorecard,
    SpecView,
    has_items,
)

_SCHEMES = frozenset({"amqp", "amqps", "mqtt", "mqtts", "nats", "kafka", "pulsar", "stomp", "sqs"})
_BROKERS = frozenset(
    {"rabbitmq", "kafka", "nats", "mqtt", "activemq", "pulsar", "sqs", "pubsub", "amqp"}
)
_BROKER_KEYS = ("broker", "backend", "provider", "kind", "engine")
_KEY_SIGNALS = (
    KeySignal(("broker_url", "broker", "brokers"), 0.3, "a message broker address"),
    KeySignal(("bootstrap_servers",), 0.4, "Kafka bootstrap servers"),
    KeySignal(("queues", "queue"), 0.3, "declares queues", has_items),
    KeySignal(("topics", "topic"), 0.3, "declares topics", has_items),
    KeySignal(("exchanges", "exchange"), 0.3, "declares exchanges", has_items),
    KeySignal(("subjects", "subject"), 0.25, "declares NATS subjects", has_items),
    KeySignal(("consumer_group", "group_id"), 0.3, "a consumer group"),
    KeySignal(("dead_letter", "dead_letter_queue", "dlq"), 0.2, "dead-lettering"),
    KeySignal(("routing_key", "routing_keys"), 0.2, "message routing keys"),
    KeySignal(("prefetch_count", "prefetch"), 0.1, "consumer prefetch"),
    KeySignal(("streams", "stream"), 0.2, "declares streams", has_items),
)
_REDIS_ROLES = {
    "queue": (0.5, "with streams or queues declared"),
    "store": (0.0, ""),
    "either": (0.15, "may be a broker"),
}


class MessageQueuePattern(IntegrationPattern):
    """Message brokers (AMQP, MQTT, NATS, Kafka, Redis streams)."""

    name = "message_queue"
    description = "Message brokers (AMQP, MQTT, NATS, Kafka, Redis streams)"
    available = False

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        """Score by broker URL scheme, broker name and keys like queues, topics, groups."""
        view = SpecView(requirements)
        card = Scorecard(self.name)
        card.add_url_scheme(view, _SCHEMES, _REDIS_ROLES)
        card.add_word(view, _BROKER_KEYS, _BROKERS, "{path} names the {word} message broker")
        card.add_keys(view, _KEY_SIGNALS)
        return card.match()

"""The message_queue pattern: RabbitMQ, Redis Streams and MQTT packages; others are refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from agentflow.patterns import IntegrationPattern, Mutant, PatternMatch
from agentflow.patterns.message_queue.context import build_queue_context
from agentflow.patterns.message_queue.mutants import QUEUE_MUTANTS
from agentflow.patterns.message_queue.requirements import (
    MessageQueueRequirements,
    refuse_unsupported,
)
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
    requirements_model = MessageQueueRequirements
    # What adapter.py.jinja imports from `<slug>_utils`.
    runtime_modules = ("circuit_breaker", "errors", "metrics")

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        """Score by broker URL scheme, broker name and keys like queues, topics, groups."""
        view = SpecView(requirements)
        card = Scorecard(self.name)
        card.add_url_scheme(view, _SCHEMES, _REDIS_ROLES)
        card.add_word(view, _BROKER_KEYS, _BROKERS, "{path} names the {word} message broker")
        # Redis is a broker only when named as one (`engine: redis` is the database).
        card.add_word(view, ("broker",), {"redis"}, "{path} names Redis as the message broker")
        card.add_keys(view, _KEY_SIGNALS)
        return card.match()

    def ensure_available(self, requirements: BaseModel | None = None) -> None:
        """Also refuse, by name, a broker that is recognised but not generated yet."""
        super().ensure_available(requirements)
        if isinstance(requirements, MessageQueueRequirements):
            refuse_unsupported(requirements)

    def build_context(self, requirements: BaseModel, *, slug: str) -> dict[str, Any]:
        """`mq` (settings, queues) and `class_names` for the templates."""
        assert isinstance(requirements, MessageQueueRequirements)
        return build_queue_context(requirements, slug=slug)

    def validate(self, generated_code: Mapping[str, str]) -> list[str]:
        """Publishing waits for confirms; consuming acknowledges explicitly."""
        problems = []
        for path, text in sorted(generated_code.items()):
            if not path.endswith("_adapter.py") or path.startswith("test_"):
                continue
            transport = next((name for name in _RULES if f"class {name}" in text), None)
            if transport is None:
                problems.append(f"{path}: no broker transport is defined")
                continue
            for needle, why in _RULES[transport]:
                if needle not in text:
                    problems.append(f"{path}: {why}")
        return problems

    def mutants(self) -> Sequence[Mutant]:
        """Acks before handling, dead letters dropped, retries off, duplicates handled."""
        return QUEUE_MUTANTS


# Per broker transport class: what its adapter must contain, and what is wrong without it.
_RULES = {
    "RabbitMQTransport": (
        ("confirm_delivery()", "publisher confirms are not enabled"),
        ("basic_ack(", "messages are never acknowledged"),
        ("x-dead-letter-routing-key", "queues have no dead-letter queue"),
    ),
    "RedisStreamsTransport": (
        ("mkstream=True", "streams and their consumer group are not created"),
        (".xack(", "entries are never acknowledged"),
        (".xautoclaim(", "entries a crashed consumer left pending are never claimed"),
        ("DEAD_LETTER_SUFFIX", "failed entries have no dead-letter stream"),
    ),
    "MqttTransport": (
        (".wait_for_publish(", "QoS 1 publishes do not wait for PUBACK"),
        ("manual_ack=True", "messages are acknowledged before they are handled"),
        ("clean_start=False", "sessions are not persistent, so unacked messages are lost"),
        ("DEAD_LETTER_SUFFIX", "failed messages have no dead-letter topic"),
    ),
}

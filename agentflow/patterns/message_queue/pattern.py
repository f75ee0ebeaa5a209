"""The message_queue pattern: RabbitMQ, Redis Streams, MQTT and NATS JetStream packages;
Kafka is recognised and refused, saying why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from agentflow.patterns import IntegrationPattern, Mutant, PatternMatch
from agentflow.patterns.message_queue.brokers import BROKERS
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
        """Publishing waits for confirms; consuming acknowledges explicitly; dead letters kept."""
        problems = []
        for path, text in sorted(generated_code.items()):
            if not path.endswith("_adapter.py") or path.startswith("test_"):
                continue
            defined = (b for b in BROKERS.values() if f"class {b.transport_class}" in text)
            broker = next((b for b in defined if b.generated), None)
            if broker is None:
                problems.append(f"{path}: no broker transport is defined")
                continue
            problems += [f"{path}: {why}" for needle, why in broker.rules if needle not in text]
        return problems

    def mutants(self) -> Sequence[Mutant]:
        """Acks before handling, dead letters dropped, retries off, duplicates handled."""
        return QUEUE_MUTANTS

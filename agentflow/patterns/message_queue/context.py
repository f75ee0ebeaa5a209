"""The template context of the message_queue pattern: every value the templates print.

Templates only lay text out (tests/test_templates.py holds them to it), so the class names,
environment variables, queue table and the sample values the generated tests use are all
computed here from the validated requirements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentflow.patterns.message_queue.requirements import MessageQueueRequirements
from agentflow.patterns.message_queue.streams import build_nats_view

__all__ = ["QueueClassNames", "QueueView", "build_queue_context"]


@dataclass(frozen=True)
class Broker:
    """What the templates print about one generated broker.

    Its name, URL schemes, driver (the pyproject dependency and the docs' link) and the
    `collections.abc` and `urllib.parse` names its transport uses besides the shared
    client's, so the adapter imports exactly what it uses.
    """

    label: str
    schemes: tuple[str, ...]
    dependency: str
    driver: str
    driver_docs: str
    abc_names: tuple[str, ...] = ()
    parse_names: tuple[str, ...] = ()
    tests_template: str | None = None
    connection_note: str = ""


_BROKERS = {
    "rabbitmq": Broker(
        "RabbitMQ",
        ("amqp", "amqps"),
        "pika>=1.3",
        "pika",
        "https://pika.readthedocs.io/",
        abc_names=("Iterator",),
        parse_names=("quote",),
        connection_note=(
            "The async client runs pika's connection on one worker thread (a pika connection "
            "belongs to one thread) and your handlers on the event loop."
        ),
    ),
    "nats": Broker(
        "NATS JetStream",
        ("nats", "tls"),
        "nats-py>=2.6",
        "nats-py",
        "https://nats-io.github.io/nats.py/",
        tests_template="transports/nats_tests.py.jinja",
        connection_note=(
            "nats-py is asyncio-only and a connection belongs to the event loop that opened "
            "it, so the transport runs that loop on a thread of its own for the connection's "
            "whole life (it keeps answering server pings and reconnecting between calls) and "
            "the sync client's calls wait on it. The async client drives the sync client on "
            "one worker thread and runs your handlers on your event loop, so both clients "
            "share one implementation of retries, dead-lettering and deduplication."
        ),
    ),
}
_SHARED_ABC = ("Awaitable", "Callable", "Mapping")
_SHARED_PARSE = ("urlsplit", "urlunsplit")


@dataclass(frozen=True)
class QueueClassNames:
    """The generated classes' names for a service's class prefix (`RabbitOrders`)."""

    client: str
    async_client: str
    error: str
    connection_error: str
    publish_error: str
    timeout_error: str
    message_error: str
    config_error: str

    @property
    def test_imports(self) -> tuple[str, ...]:
        """What the generated tests import, in ruff's order (constants, then classes)."""
        classes = (
            self.async_client,
            self.client,
            self.config_error,
            self.connection_error,
            self.error,
            self.message_error,
            self.publish_error,
            self.timeout_error,
            "InMemoryBroker",
            "MemorySeenSet",
            "Message",
        )
        return ("QUEUES", *sorted(classes, key=str.lower))

    @property
    def example_imports(self) -> tuple[str, ...]:
        """What examples.py imports, sorted as ruff sorts them."""
        return tuple(sorted((self.client, "InMemoryBroker", "Message"), key=str.lower))

    @classmethod
    def for_prefix(cls, prefix: str) -> QueueClassNames:
        """`<prefix>Client`, `Async<prefix>Client` and the errors under `<prefix>Error`."""
        return cls(
            client=f"{prefix}Client",
            async_client=f"Async{prefix}Client",
            error=f"{prefix}Error",
            connection_error=f"{prefix}ConnectionError",
            publish_error=f"{prefix}PublishError",
            timeout_error=f"{prefix}TimeoutError",
            message_error=f"{prefix}MessageError",
            config_error=f"{prefix}ConfigurationError",
        )


@dataclass(frozen=True)
class QueueView:
    """One declared queue as the templates print it."""

    name: str
    durable: bool
    dead_letter: bool
    max_attempts: int
    dead_letter_name: str


def build_queue_context(requirements: MessageQueueRequirements, *, slug: str) -> dict[str, Any]:
    """`mq` (settings and queues) and `names` (the generated classes) for the templates."""
    env_prefix = slug.upper()
    password_env = requirements.password_env or f"{env_prefix}_PASSWORD"
    requirements.warn_inline_password(password_env)
    queues = tuple(
        QueueView(
            name=queue.name,
            durable=queue.durable,
            dead_letter=queue.dead_letter,
            max_attempts=queue.max_attempts or requirements.max_attempts,
            dead_letter_name=f"{queue.name}.dlq",
        )
        for queue in requirements.all_queues
    )
    dead_lettered = tuple(queue for queue in queues if queue.dead_letter)
    broker = _BROKERS[requirements.broker]
    nats = build_nats_view(requirements, slug=slug) if requirements.broker == "nats" else None
    return {
        "mq": {
            "broker_label": broker.label,
            "schemes": broker.schemes,
            "dependency": broker.dependency,
            "driver": broker.driver,
            "driver_docs": broker.driver_docs,
            "connection_note": broker.connection_note,
            "abc_imports": ", ".join(sorted({*_SHARED_ABC, *broker.abc_names})),
            "parse_imports": ", ".join(sorted({*_SHARED_PARSE, *broker.parse_names})),
            "unreachable_url": f"{broker.schemes[0]}://user@127.0.0.1:9/",
            "nats": nats,
            "transport_template": f"transports/{requirements.broker}.py.jinja",
            "transport_tests": broker.tests_template,
            "url": requirements.url,
            "url_env": f"{env_prefix}_URL",
            "password_env": password_env,
            "inline_password": requirements.inline_password,
            "queues": queues,
            "queue_names": tuple(queue.name for queue in queues),
            "first_queue": queues[0],
            "dead_letter_queue": dead_lettered[0] if dead_lettered else None,
            "exchange": requirements.exchange or "",
            "exchange_type": requirements.exchange_type,
            "prefetch": requirements.prefetch,
            "max_attempts": requirements.max_attempts,
            "backoff_base": requirements.backoff_base,
            "backoff_max": requirements.backoff_max,
            "timeout": requirements.timeout,
        },
        "class_names": QueueClassNames.for_prefix,
    }

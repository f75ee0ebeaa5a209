"""The template context of the message_queue pattern: every value the templates print.

Templates only lay text out (tests/test_templates.py holds them to it), so the class names,
environment variables, queue table and the sample values the generated tests use are all
computed here from the validated requirements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentflow.patterns.message_queue.brokers import BROKERS, dead_letter_name
from agentflow.patterns.message_queue.messages import build_message_typing
from agentflow.patterns.message_queue.requirements import MessageQueueRequirements
from agentflow.patterns.message_queue.streams import build_nats_view

__all__ = ["QueueClassNames", "QueueView", "build_queue_context"]

# What the shared client itself imports from `collections.abc` and `urllib.parse`.
_ABC_NAMES = ("Awaitable", "Callable", "Mapping")
_PARSE_NAMES = ("urlsplit", "urlunsplit")
# What the generated tests publish to a queue without a schema.
_UNTYPED_BODY = {"n": 1, "text": "é"}
# What the guide and examples.py publish to a queue without a schema.
_EXAMPLE_BODY = {"order_id": 42}
_PYDANTIC = "pydantic>=2.7"
# Seconds an unacknowledged message waits before another consumer gets it: Redis Streams
# (`claim_idle`, then XAUTOCLAIM) and NATS JetStream (`ack_wait`).
_CLAIM_IDLE = 60.0
_ACK_WAIT = 30.0


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

    def test_imports_with(self, extra: tuple[str, ...]) -> tuple[str, ...]:
        """`test_imports` and `extra`, in ruff's order (constants, then classes)."""
        names = {*self.test_imports, *extra}
        constants = sorted(name for name in names if name.isupper())
        return (*constants, *sorted(names - set(constants), key=str.lower))

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
        return ("DEAD_LETTER_SUFFIX", "QUEUES", *sorted(classes, key=str.lower))

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
    model: str | None = None


def build_queue_context(requirements: MessageQueueRequirements, *, slug: str) -> dict[str, Any]:
    """`mq` (settings and queues) and `names` (the generated classes) for the templates."""
    env_prefix = slug.upper()
    password_env = requirements.password_env or f"{env_prefix}_PASSWORD"
    requirements.warn_inline_password(password_env)
    typing = build_message_typing(
        {queue.name: queue.schema_ for queue in requirements.queues},
        requirements.schemas,
        reserved=_names_the_client_takes,
    )
    queues = tuple(
        QueueView(
            name=queue.name,
            durable=queue.durable,
            dead_letter=queue.dead_letter,
            max_attempts=queue.max_attempts or requirements.max_attempts,
            dead_letter_name=dead_letter_name(requirements.broker, queue.name),
            model=typing.model_of(queue.name),
        )
        for queue in requirements.queues
    )
    dead_lettered = tuple(queue for queue in queues if queue.dead_letter)
    name = requirements.broker
    broker = BROKERS[name]
    nats = build_nats_view(requirements, slug=slug) if name == "nats" else None
    return {
        "mq": {
            "broker_label": broker.label,
            "schemes": broker.schemes,
            "dependency": broker.dependency,
            "dependencies": (
                (broker.dependency, _PYDANTIC) if typing.typed else (broker.dependency,)
            ),
            "typing": typing,
            "message_type": "dict[str, Any] | _MessageModel" if typing.typed else "dict[str, Any]",
            "model_exports": (
                tuple(sorted(["MESSAGE_MODELS", *(m.name for m in typing.models)], key=str.lower))
                if typing.typed
                else ()
            ),
            "typed_queue": typing.queues[0] if typing.typed else None,
            "test_imports": (
                ("Delivery", "REJECTED_HEADER", typing.queues[0].model) if typing.typed else ()
            ),
            "test_body": typing.queues[0].valid if queues[0].model else _UNTYPED_BODY,
            "example_body": typing.queues[0].valid if queues[0].model else _EXAMPLE_BODY,
            "driver": broker.driver,
            "driver_url": broker.driver_url,
            "dead_letter_suffix": broker.dead_letter_suffix,
            "transport_template": f"transports/{name}.py.jinja",
            "abc_imports": ", ".join(sorted({*_ABC_NAMES, *broker.abc_names})),
            "parse_imports": ", ".join(sorted({*_PARSE_NAMES, *broker.parse_names})),
            "unreachable_url": f"{broker.schemes[0]}://user@127.0.0.1:9/",
            "guide_template": f"guides/{name}.md.jinja",
            "test_template": f"tests/{name}.py.jinja",
            "config_template": f"config/{name}.yaml.jinja",
            "consumer_group": requirements.consumer_group or slug,
            "client_id_prefix": slug,
            "max_length": requirements.max_length,
            "claim_idle": requirements.claim_idle or _CLAIM_IDLE,
            "ack_wait": requirements.ack_wait or _ACK_WAIT,
            "nats": nats,
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


def _names_the_client_takes(name: str) -> bool:
    """Whether a model class `name` could clash with `<Prefix>Client` or an error class."""
    return name.endswith(("Client", "Error"))

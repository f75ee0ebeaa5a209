"""Pydantic model of the message_queue pattern's `requirements:`.

The flat form users write (`{broker: rabbitmq, url: amqp://localhost:5672/, queues: [orders],
prefetch: 10, max_attempts: 5}`) and the explicit one (queues as mappings with `durable`,
`dead_letter` and their own `max_attempts`) both normalise into `MessageQueueRequirements`.
The broker comes from `broker:` or the URL scheme. RabbitMQ, Redis Streams and MQTT generate;
each names its queues its own way (Redis `streams: [orders]`, MQTT `topics: [plant/line1]`)
and both spellings map onto `queues`. The other brokers' requirements (NATS `subjects` and
`streams` among them) are still validated, and `create` refuses them by name
(`refuse_unsupported`). A password written
inside the URL is dropped here, so no generated file (metadata included) can ever contain
it; `create` warns once.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, StrictBool, StrictInt, model_validator

from agentflow.patterns import PatternUnavailableError, StrictModel, strip_url_password

__all__ = [
    "BROKER_SCHEMES",
    "MessageQueueRequirements",
    "QueueConfig",
    "StreamConfig",
    "dead_letter_name",
    "refuse_unsupported",
]

_log = logging.getLogger("agentflow.patterns.message_queue")

BROKER_SCHEMES = {
    "amqp": "rabbitmq",
    "amqps": "rabbitmq",
    "redis": "redis",
    "rediss": "redis",
    "nats": "nats",
    "tls": "nats",
    "mqtt": "mqtt",
    "mqtts": "mqtt",
    "kafka": "kafka",
}
_BROKER_NAMES = {
    "rabbitmq": "RabbitMQ (AMQP 0-9-1)",
    "redis": "Redis Streams",
    "nats": "NATS JetStream",
    "mqtt": "MQTT",
    "kafka": "Kafka",
}
_GENERATED = frozenset({"rabbitmq", "redis", "mqtt"})
# AMQP names: letters, digits and `_ . -`; never the broker's reserved `amq.` prefix.
_NAME = r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$"
# Any broker's queue name; `_QUEUE_NAMES` narrows it per broker in `_check`.
_ANY_QUEUE = r"^[A-Za-z][A-Za-z0-9_.:/-]{0,199}$"
_QUEUE_NAMES = {
    "rabbitmq": (_NAME, "letters, digits and `_ . -`"),
    "redis": (r"^[A-Za-z][A-Za-z0-9_.:-]{0,199}$", "letters, digits and `_ . : -`"),
    "mqtt": (
        r"^[A-Za-z][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*$",
        "letters, digits and `_ . -` in levels separated by single `/` (no `+` or `#`: "
        "each topic is published to, so name it)",
    ),
}
_URL_FORMS = {
    "rabbitmq": "amqp://host[:port]/[vhost]",
    "redis": "redis://host[:port]/[db] (rediss:// for TLS)",
    "mqtt": "mqtt://host[:port] (mqtts:// for TLS)",
}
_DEFAULT_URLS = {
    "rabbitmq": "amqp://localhost:5672/",
    "redis": "redis://localhost:6379/0",
    "mqtt": "mqtt://localhost:1883",
    "nats": "nats://localhost:4222",
}
# Keys that only mean something to one broker.
_BROKER_ONLY = {
    "exchange": "rabbitmq",
    "consumer_group": "redis",
    "max_length": "redis",
    "claim_idle": "redis",
}
_ENV_VAR = r"^[A-Z_][A-Z0-9_]{0,99}$"
_ALIASES = {"broker_url": "url", "prefetch_count": "prefetch", "queue": "queues"}
# What each broker calls its queues in a requirements file, mapped onto `queues`.
_QUEUE_KEYS = {"redis": ("streams", "stream"), "mqtt": ("topics", "topic")}


class QueueConfig(StrictModel):
    """One queue: a bare name, or `{name, durable, dead_letter, max_attempts}`."""

    name: str = Field(pattern=_ANY_QUEUE)
    durable: StrictBool = True
    dead_letter: StrictBool = True
    max_attempts: StrictInt | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="before")
    @classmethod
    def _accept_a_bare_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data


class StreamConfig(StrictModel):
    """A NATS JetStream stream: its name and the subjects it stores."""

    name: str = Field(pattern=_NAME)
    subjects: tuple[str, ...] = Field(min_length=1, max_length=100)


class MessageQueueRequirements(StrictModel):
    """The `requirements:` of a message-queue spec; unknown keys are errors."""

    broker: Literal["rabbitmq", "redis", "nats", "mqtt", "kafka"]
    url: str = Field(default="amqp://localhost:5672/", max_length=500)
    queues: tuple[QueueConfig, ...] = Field(default=(), max_length=100)
    subjects: tuple[str, ...] = Field(default=(), max_length=100)
    streams: tuple[StreamConfig, ...] = Field(default=(), max_length=100)
    exchange: str | None = Field(default=None, pattern=_NAME)
    exchange_type: Literal["direct", "topic", "fanout"] = "direct"
    prefetch: StrictInt = Field(default=10, ge=1, le=10_000)
    max_attempts: StrictInt = Field(default=5, ge=1, le=100)
    backoff_base: float = Field(default=0.5, ge=0, le=60)
    backoff_max: float = Field(default=30.0, ge=0, le=3600)
    timeout: float = Field(default=10.0, gt=0, le=600)
    password_env: str | None = Field(default=None, pattern=_ENV_VAR)
    consumer_group: str | None = Field(default=None, pattern=_NAME)
    max_length: StrictInt | None = Field(default=None, ge=1, le=10**12)
    claim_idle: float | None = Field(default=None, gt=0, le=86_400)
    _inline_password: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _normalise(cls, data: Any, handler: Any) -> Any:
        """Accept the flat aliases, name the broker from the URL, drop an inline password."""
        inline = False
        if isinstance(data, dict):
            data = {_ALIASES.get(key, key): value for key, value in data.items()}
            if isinstance(data.get("url"), str):
                data["url"], inline = _strip_password(data["url"])
            data["broker"] = _broker(data.get("broker"), data.get("url"))
            data = _queues_as_written(data)
        model = handler(data)
        model._inline_password = inline
        return model

    @model_validator(mode="after")
    def _check(self) -> MessageQueueRequirements:
        nats_only = [key for key in ("subjects", "streams") if getattr(self, key)]
        if nats_only and self.broker != "nats":
            raise ValueError(f"`{nats_only[0]}` applies to NATS, not {_BROKER_NAMES[self.broker]}")
        if self.broker not in _GENERATED:
            return self  # refused by name at create (`refuse_unsupported`)
        if not self.queues:
            key = _QUEUE_KEYS.get(self.broker, ("queues",))[0]
            raise ValueError(f"declare at least one queue: `{key}: [orders]`")
        _check_url(self.broker, self.url)
        for key, broker in _BROKER_ONLY.items():
            if getattr(self, key) is not None and self.broker != broker:
                raise ValueError(
                    f"`{key}` applies to {_BROKER_NAMES[broker]}, not {_BROKER_NAMES[self.broker]}"
                )
        _check_names(self.broker, [queue.name for queue in self.queues], self.exchange)
        return self

    @property
    def inline_password(self) -> bool:
        """Whether the requirements URL carried a password (dropped, read from env)."""
        return self._inline_password

    def warn_inline_password(self, password_variable: str) -> None:
        """Warn once per `create` that the URL's password was dropped, naming the variable."""
        if self._inline_password:
            _log.warning(
                "the requirements url contains a password; it is not written to any generated "
                "file: the adapter reads it from %s",
                password_variable,
            )


def refuse_unsupported(requirements: MessageQueueRequirements) -> None:
    """Raise `PatternUnavailableError` for a broker recognised but not generated yet."""
    if requirements.broker not in _GENERATED:
        raise PatternUnavailableError(
            f"the 'message_queue' pattern cannot generate packages yet for the "
            f"{_BROKER_NAMES[requirements.broker]} broker, which it recognises; generated: "
            f"{', '.join(_BROKER_NAMES[name] for name in sorted(_GENERATED))}"
        )


def dead_letter_name(broker: str, queue: str) -> str:
    """Where `queue`'s failed messages go: `<topic>/dlq` on MQTT, `<queue>.dlq` elsewhere."""
    return f"{queue}/dlq" if broker == "mqtt" else f"{queue}.dlq"


def _queues_as_written(data: dict[str, Any]) -> dict[str, Any]:
    """Move the broker's own queue key (Redis `streams`, MQTT `topics`) to `queues`."""
    for key in _QUEUE_KEYS.get(data["broker"], ()) if isinstance(data["broker"], str) else ():
        if key in data:
            if "queues" in data:
                raise ValueError(f"declare the queues once: `{key}` or `queues`, not both")
            data["queues"] = data.pop(key)
    if isinstance(data.get("queues"), str):
        data["queues"] = [data["queues"]]
    if "url" not in data and data["broker"] in _DEFAULT_URLS:
        data["url"] = _DEFAULT_URLS[data["broker"]]
    return data


def _check_url(broker: str, url: str) -> None:
    """The URL has a host and the broker's own scheme."""
    parts = urlsplit(url)
    if BROKER_SCHEMES.get(parts.scheme) != broker or not parts.hostname:
        raise ValueError(f"url must be {_URL_FORMS[broker]}, got {url!r}")


def _check_names(broker: str, names: list[str], exchange: str | None) -> None:
    """Names the broker accepts, none twice, none equal to another's dead-letter queue."""
    pattern, allowed = _QUEUE_NAMES[broker]
    for name in names:
        if not re.match(pattern, name):
            raise ValueError(f"{name!r}: {_BROKER_NAMES[broker]} queue names use {allowed}")
    reserved = [name for name in [*names, exchange or ""] if name.startswith("amq.")]
    if reserved and broker == "rabbitmq":
        raise ValueError(f"{reserved[0]!r}: names starting with 'amq.' are the broker's own")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"queues are declared twice: {', '.join(duplicates)}")
    clashes = sorted(set(names) & {dead_letter_name(broker, name) for name in names})
    if clashes:
        raise ValueError(f"{', '.join(clashes)} would clash with a dead-letter queue name")


def _broker(named: Any, url: Any) -> Any:
    """`broker:` as written, else the one the URL scheme names; they must agree."""
    scheme = urlsplit(url).scheme.lower() if isinstance(url, str) else ""
    from_url = BROKER_SCHEMES.get(scheme)
    if isinstance(url, str) and from_url is None:
        raise ValueError(
            f"url scheme {scheme!r} names no known broker; use one of "
            f"{', '.join(sorted(BROKER_SCHEMES))}"
        )
    if named is None:
        if from_url is None:
            raise ValueError("name the broker: `broker: rabbitmq` or an amqp:// url")
        return from_url
    if isinstance(named, str):
        named = named.strip().lower()
        if from_url is not None and named in _BROKER_NAMES and named != from_url:
            raise ValueError(f"broker {named!r} does not match the url scheme {scheme!r}")
    return named


def _strip_password(url: str) -> tuple[str, bool]:
    """The URL without its password, and whether it had one."""
    if re.search(r"[\s\x00-\x1f]", url):
        raise ValueError("url must not contain whitespace or control characters")
    return strip_url_password(url)

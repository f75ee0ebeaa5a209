"""Pydantic model of the message_queue pattern's `requirements:`.

The flat form users write (`{broker: rabbitmq, url: amqp://localhost:5672/, queues: [orders],
prefetch: 10, max_attempts: 5}`) and the explicit one (queues as mappings with `durable`,
`dead_letter` and their own `max_attempts`) both normalise into `MessageQueueRequirements`.
The broker comes from `broker:` or the URL scheme; RabbitMQ and NATS JetStream generate.
For NATS, `subjects:` names queues too (each one subject, consumed by a durable pull
consumer) and `streams:` the JetStream streams that store them. The other brokers'
requirements are still validated, and `create` refuses them by name (`refuse_unsupported`).
A password written inside the URL is dropped here, so no generated file (metadata included)
can ever contain it; `create` warns once.
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
_GENERATED = frozenset({"rabbitmq", "nats"})
# The URL each generated broker accepts, and its default when `url:` is left out.
_URL_FORMS = {
    "rabbitmq": (frozenset({"amqp", "amqps"}), "amqp://host[:port]/[vhost]"),
    "nats": (frozenset({"nats", "tls"}), "nats://host[:port] (tls:// for TLS)"),
}
_DEFAULT_URLS = {
    "rabbitmq": "amqp://localhost:5672/",
    "nats": "nats://localhost:4222",
    "redis": "redis://localhost:6379/0",
    "mqtt": "mqtt://localhost:1883",
    "kafka": "kafka://localhost:9092",
}
# A NATS subject: dot-separated tokens; `*` and `>` are wildcards (streams only).
_SUBJECT = re.compile(r"^(?=.{1,100}$)[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")
_WILDCARD_SUBJECT = re.compile(r"^([A-Za-z0-9_-]+|\*)(\.([A-Za-z0-9_-]+|\*))*(\.>)?$|^>$")
_STREAM_NAME = r"^[A-Za-z0-9_-]{1,64}$"
# AMQP names: letters, digits and `_ . -`; never the broker's reserved `amq.` prefix.
_NAME = r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$"
_ENV_VAR = r"^[A-Z_][A-Z0-9_]{0,99}$"
_ALIASES = {"broker_url": "url", "prefetch_count": "prefetch", "queue": "queues"}


class QueueConfig(StrictModel):
    """One queue: a bare name, or `{name, durable, dead_letter, max_attempts}`."""

    name: str = Field(pattern=_NAME)
    durable: StrictBool = True
    dead_letter: StrictBool = True
    max_attempts: StrictInt | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="before")
    @classmethod
    def _accept_a_bare_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data


class StreamConfig(StrictModel):
    """A NATS JetStream stream: its name and the subjects it stores."""

    name: str = Field(pattern=_STREAM_NAME)
    subjects: tuple[str, ...] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _check_subjects(self) -> StreamConfig:
        bad = [s for s in self.subjects if not _WILDCARD_SUBJECT.fullmatch(s)]
        if bad:
            raise ValueError(
                f"stream {self.name}: {bad[0]!r} is not a NATS subject (dot-separated tokens "
                "of letters, digits, `_` and `-`; `*` or a final `>` as wildcards)"
            )
        return self


class MessageQueueRequirements(StrictModel):
    """The `requirements:` of a message-queue spec; unknown keys are errors."""

    broker: Literal["rabbitmq", "redis", "nats", "mqtt", "kafka"]
    url: str = Field(max_length=500)
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
    ack_wait: float = Field(default=30.0, gt=0, le=86_400)
    password_env: str | None = Field(default=None, pattern=_ENV_VAR)
    _inline_password: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _normalise(cls, data: Any, handler: Any) -> Any:
        """Accept the flat aliases, name the broker from the URL, drop an inline password."""
        inline = False
        if isinstance(data, dict):
            data = {_ALIASES.get(key, key): value for key, value in data.items()}
            if isinstance(data.get("queues"), str):
                data["queues"] = [data["queues"]]
            if isinstance(data.get("url"), str):
                data["url"], inline = _strip_password(data["url"])
            data["broker"] = _broker(data.get("broker"), data.get("url"))
            if "url" not in data and data["broker"] in _DEFAULT_URLS:
                data["url"] = _DEFAULT_URLS[data["broker"]]
        model = handler(data)
        model._inline_password = inline
        return model

    @model_validator(mode="after")
    def _check(self) -> MessageQueueRequirements:
        nats_only = [key for key in ("subjects", "streams") if getattr(self, key)]
        if "ack_wait" in self.model_fields_set:
            nats_only.append("ack_wait")
        if nats_only and self.broker != "nats":
            raise ValueError(f"`{nats_only[0]}` applies to NATS, not {_BROKER_NAMES[self.broker]}")
        if self.broker not in _GENERATED:
            return self  # refused by name at create (`refuse_unsupported`)
        if self.broker == "nats":
            _check_nats(self)
        if not self.all_queues:
            raise ValueError(
                "declare at least one queue: `queues: [orders]` (or NATS `subjects: [orders]`)"
            )
        schemes, form = _URL_FORMS[self.broker]
        parts = urlsplit(self.url)
        if parts.scheme not in schemes or not parts.hostname:
            raise ValueError(f"url must be {form}, got {self.url!r}")
        _check_names([queue.name for queue in self.all_queues], self)
        return self

    @property
    def all_queues(self) -> tuple[QueueConfig, ...]:
        """`queues:`, then (NATS) each of `subjects:` as a queue with the default settings."""
        return (*self.queues, *(QueueConfig(name=subject) for subject in self.subjects))

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
            f"{_BROKER_NAMES[requirements.broker]} broker, which it recognises; RabbitMQ "
            "(amqp:// URLs) and NATS JetStream (nats:// URLs) are generated"
        )


def _check_names(names: list[str], requirements: MessageQueueRequirements) -> None:
    """Queue names are unique, clear of dead-letter names and (AMQP) of the `amq.` prefix."""
    if requirements.broker == "rabbitmq":
        own = [name for name in [*names, requirements.exchange or ""] if name.startswith("amq.")]
        if own:
            raise ValueError(f"{own[0]!r}: names starting with 'amq.' are the broker's own")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"queues are declared twice: {', '.join(duplicates)}")
    clashes = sorted(set(names) & {f"{name}.dlq" for name in names})
    if clashes:
        raise ValueError(f"{', '.join(clashes)} would clash with a dead-letter queue name")


def _check_nats(requirements: MessageQueueRequirements) -> None:
    """NATS queues are concrete subjects, with distinct consumer names; no exchange."""
    if requirements.exchange:
        raise ValueError("`exchange` applies to RabbitMQ; NATS stores subjects in `streams:`")
    for name in [*(queue.name for queue in requirements.queues), *requirements.subjects]:
        if not _SUBJECT.fullmatch(name):
            raise ValueError(
                f"{name!r} is not a subject a queue can publish to: use dot-separated tokens "
                "of letters, digits, `_` and `-`, starting with a letter; wildcards (`*`, `>`) "
                "belong in a stream's `subjects:`"
            )
    consumers = [name.replace(".", "_") for name in {q.name for q in requirements.all_queues}]
    same = sorted({name for name in consumers if consumers.count(name) > 1})
    if same:
        raise ValueError(f"subjects differing only in `.` and `_` share a consumer name: {same[0]}")
    streams = [stream.name for stream in requirements.streams]
    twice = sorted({name for name in streams if streams.count(name) > 1})
    if twice:
        raise ValueError(f"streams are declared twice: {', '.join(twice)}")


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

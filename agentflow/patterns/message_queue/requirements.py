"""Pydantic model of the message_queue pattern's `requirements:`.

The flat form users write (`{broker: rabbitmq, url: amqp://localhost:5672/, queues: [orders],
prefetch: 10, max_attempts: 5}`) and the explicit one (queues as mappings with `durable`,
`dead_letter` and their own `max_attempts`) both normalise into `MessageQueueRequirements`.
The broker comes from `broker:` or the URL scheme. RabbitMQ, Redis Streams, MQTT and NATS
JetStream generate; each may name its queues its own way (Redis `streams: [orders]`, MQTT
`topics: [plant/line1]`, NATS `subjects: [orders.created]`), and that key maps onto `queues`.
Everything that differs per broker is read from `brokers.BROKERS`. Kafka is still validated,
and `create` refuses it by name, saying why (`refuse_unsupported`). A password written inside
the URL is dropped here, so no generated file (metadata included) can ever contain it;
`create` warns once.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, StrictBool, StrictInt, model_validator

from agentflow.patterns import PatternUnavailableError, StrictModel, strip_url_password
from agentflow.patterns.message_queue.brokers import (
    AMQP_NAME,
    BROKER_SCHEMES,
    BROKERS,
    dead_letter_name,
    generated_labels,
)
from agentflow.patterns.message_queue.messages import check_message_schemas
from agentflow.patterns.schemas import MAX_SCHEMAS, Schema, check_schema_name

__all__ = [
    "BROKER_SCHEMES",
    "MessageQueueRequirements",
    "QueueConfig",
    "StreamConfig",
    "dead_letter_name",
    "refuse_unsupported",
]

_log = logging.getLogger("agentflow.patterns.message_queue")

# Any broker's queue name; the broker's own `name_pattern` narrows it in `_check`, so that
# a NATS wildcard or an MQTT `+` gets that broker's explanation rather than a bare mismatch.
_ANY_QUEUE = r"^[A-Za-z][A-Za-z0-9_.:/*>+#-]{0,199}$"
# A JetStream stream's subjects: dot-separated tokens, `*` one token, a final `>` the rest.
_WILDCARD_SUBJECT = re.compile(r"^([A-Za-z0-9_-]+|\*)(\.([A-Za-z0-9_-]+|\*))*(\.>)?$|^>$")
_STREAM_NAME = r"^[A-Za-z0-9_-]{1,64}$"
_ENV_VAR = r"^[A-Z_][A-Z0-9_]{0,99}$"
_ALIASES = {"broker_url": "url", "prefetch_count": "prefetch", "queue": "queues"}
# Every broker's own word for its queues, and whose it is (a key of another broker is refused).
_QUEUE_KEYS = {key: name for name, broker in BROKERS.items() for key in broker.queue_keys}


class QueueConfig(StrictModel):
    """One queue: a bare name, or `{name, durable, dead_letter, max_attempts, schema}`.

    `schema` describes its messages (an object schema, or a `$ref` to one of `schemas:`).
    """

    name: str = Field(pattern=_ANY_QUEUE)
    durable: StrictBool = True
    dead_letter: StrictBool = True
    max_attempts: StrictInt | None = Field(default=None, ge=1, le=100)
    schema_: Schema | None = Field(default=None, alias="schema")

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
    exchange: str | None = Field(default=None, pattern=AMQP_NAME)
    exchange_type: Literal["direct", "topic", "fanout"] = "direct"
    prefetch: StrictInt = Field(default=10, ge=1, le=10_000)
    max_attempts: StrictInt = Field(default=5, ge=1, le=100)
    backoff_base: float = Field(default=0.5, ge=0, le=60)
    backoff_max: float = Field(default=30.0, ge=0, le=3600)
    timeout: float = Field(default=10.0, gt=0, le=600)
    password_env: str | None = Field(default=None, pattern=_ENV_VAR)
    consumer_group: str | None = Field(default=None, pattern=AMQP_NAME)
    max_length: StrictInt | None = Field(default=None, ge=1, le=10**12)
    claim_idle: float | None = Field(default=None, gt=0, le=86_400)
    streams: tuple[StreamConfig, ...] | None = Field(default=None, max_length=100)
    ack_wait: float | None = Field(default=None, gt=0, le=86_400)
    schemas: dict[str, Schema] = Field(default_factory=dict, max_length=MAX_SCHEMAS)
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
        broker = BROKERS[self.broker]
        for name, other in BROKERS.items():
            foreign = [key for key in other.only_keys if getattr(self, key) is not None]
            if foreign and name != self.broker:
                raise ValueError(f"`{foreign[0]}` applies to {other.label}, not {broker.label}")
        if not broker.generated:
            return self  # refused by name at create (`refuse_unsupported`)
        if not self.queues:
            key = (*broker.queue_keys, "queues")[0]
            raise ValueError(f"declare at least one queue: `{key}: [orders]`")
        _check_url(self.broker, self.url)
        _check_names(self.broker, [queue.name for queue in self.queues], self.exchange)
        if self.broker == "nats":
            _check_nats(self)
        for name in self.schemas:
            check_schema_name(name)
        check_message_schemas({q.name: q.schema_ for q in self.queues}, self.schemas)
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
    """Raise `PatternUnavailableError` for a broker recognised but not generated, saying why."""
    broker = BROKERS[requirements.broker]
    if not broker.generated:
        raise PatternUnavailableError(
            f"the 'message_queue' pattern recognises {broker.label} but generates no client "
            f"for it: {broker.refusal}. Generated brokers: {generated_labels()}"
        )


def _queues_as_written(data: dict[str, Any]) -> dict[str, Any]:
    """Move the broker's own queue key (Redis `streams`, MQTT `topics`, NATS `subjects`) to
    `queues`; refuse another broker's; fill in the broker's default URL."""
    broker = BROKERS.get(data["broker"]) if isinstance(data["broker"], str) else None
    if broker is None:
        return data  # `broker` itself is refused by the model
    for key in data:
        if key in _QUEUE_KEYS and key not in (*broker.queue_keys, *broker.only_keys):
            owners = " and ".join(
                other.label
                for other in BROKERS.values()
                if key in (*other.queue_keys, *other.only_keys)
            )
            own = (*broker.queue_keys, "queues")[0]
            raise ValueError(f"`{key}` applies to {owners}, not {broker.label}: declare `{own}:`")
    for key in broker.queue_keys:
        if key in data:
            if "queues" in data:
                raise ValueError(f"declare the queues once: `{key}` or `queues`, not both")
            data["queues"] = data.pop(key)
    if isinstance(data.get("queues"), str):
        data["queues"] = [data["queues"]]
    data.setdefault("url", broker.default_url)
    return data


def _check_url(broker: str, url: str) -> None:
    """The URL has a host and the broker's own scheme."""
    parts = urlsplit(url)
    if BROKER_SCHEMES.get(parts.scheme) != broker or not parts.hostname:
        raise ValueError(f"url must be {BROKERS[broker].url_form}, got {url!r}")


def _check_names(broker: str, names: list[str], exchange: str | None) -> None:
    """Names the broker accepts, none twice, none equal to another's dead-letter queue."""
    rules = BROKERS[broker]
    for name in names:
        if not re.match(rules.name_pattern, name):
            raise ValueError(f"{name!r}: {rules.label} queue names use {rules.name_rule}")
    reserved = [name for name in [*names, exchange or ""] if name.startswith("amq.")]
    if reserved and broker == "rabbitmq":
        raise ValueError(f"{reserved[0]!r}: names starting with 'amq.' are the broker's own")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"queues are declared twice: {', '.join(duplicates)}")
    clashes = sorted(set(names) & {dead_letter_name(broker, name) for name in names})
    if clashes:
        raise ValueError(f"{', '.join(clashes)} would clash with a dead-letter queue name")


def _check_nats(requirements: MessageQueueRequirements) -> None:
    """Subjects name distinct durable consumers (`.` becomes `_`); streams are unique."""
    consumers = [queue.name.replace(".", "_") for queue in requirements.queues]
    same = sorted({name for name in consumers if consumers.count(name) > 1})
    if same:
        raise ValueError(f"subjects differing only in `.` and `_` share a consumer name: {same[0]}")
    streams = [stream.name for stream in requirements.streams or ()]
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
        if from_url is not None and named in BROKERS and named != from_url:
            raise ValueError(f"broker {named!r} does not match the url scheme {scheme!r}")
    return named


def _strip_password(url: str) -> tuple[str, bool]:
    """The URL without its password, and whether it had one."""
    if re.search(r"[\s\x00-\x1f]", url):
        raise ValueError("url must not contain whitespace or control characters")
    return strip_url_password(url)

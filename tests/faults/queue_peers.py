"""The brokers the queue fault tests run against: how to generate a client for each, how
to reach it through a proxy, and how to look at what the broker holds without the adapter.

Every broker's package has one queue, `jobs`, under its own key (`queues`, `streams`,
`topics`, `subjects`), with short redelivery delays where the broker has one, so a message a
consumer left unacknowledged comes back within a test's idle timeout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services import MQTT, NATS, RABBITMQ, REDIS, Service

__all__ = ["ATTEMPTS", "PEERS", "QUEUE", "Peer", "api"]

QUEUE = "jobs"
ATTEMPTS = 3


@dataclass(frozen=True)
class Peer:
    """One broker under test.

    `counts_redeliveries`: a message the broker delivers again after a consumer vanished
    comes with its attempt number raised (Redis Streams, NATS JetStream count deliveries).
    `dead_letters(client, queue)` reads the bodies in `queue`'s dead-letter queue;
    `backlog(queue)`, where the broker tells, counts what it still holds unacknowledged.
    `markers` are what the client sends to read and to acknowledge, where the protocol
    spells them out (a proxy can then lose exactly that read's reply, or that ack).
    `claims`: a restarted consumer takes over a vanished one's messages by claiming those
    left pending long enough (Redis XAUTOCLAIM; the package's `claim_idle` is long, so
    only a restarted consumer is given a short one).
    `same_identity`: whether a restarted consumer must reconnect as the same client to get
    what its predecessor left (an MQTT session belongs to its client id).
    """

    name: str
    service: Service
    scheme: str
    keys: dict[str, Any]
    dead_letters: Callable[[Any, str], list[Any]]
    password: str | None = None
    counts_redeliveries: bool = False
    same_identity: bool = False
    claims: bool = False
    markers: tuple[bytes, bytes] | None = None
    backlog: Callable[[str], int] | None = field(default=None, compare=False)

    @property
    def service_name(self) -> str:
        return f"Faults {self.name}"

    def requirements(self) -> dict[str, Any]:
        url = f"{self.scheme}://127.0.0.1:{self.service.port}/"
        return {"url": url, "max_attempts": ATTEMPTS, **self.keys}

    def url(self, namespace: str, port: int | None = None, *, consumer: bool = True) -> str:
        """The URL of the broker, or of a proxy on `port`; a consumer's carries the client id
        its restarts reuse where the broker needs one."""
        user = "guest@" if self.name == "RabbitMQ" else ""
        url = f"{self.scheme}://{user}127.0.0.1:{port or self.service.port}/"
        if self.same_identity and consumer:
            url += f"?client_id={namespace.rstrip('.')}"
        return url


def api(mq: Any) -> Any:
    """The generated module's client and error classes, whatever the service prefix."""
    prefix = next(n[: -len("Client")] for n in mq.__all__ if n.endswith("Client"))
    prefix = prefix.removeprefix("Async")

    class Names:
        client = getattr(mq, f"{prefix}Client")
        async_client = getattr(mq, f"Async{prefix}Client")
        connection_error = getattr(mq, f"{prefix}ConnectionError")
        timeout_error = getattr(mq, f"{prefix}TimeoutError")

    return Names


def rabbitmq_backlog(queue: str) -> int:
    """Messages waiting in `queue`, delivered or not (RabbitMQ counts the unacked apart)."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ.url))
    try:
        declared = connection.channel().queue_declare(queue, passive=True)
        return int(declared.method.message_count)
    finally:
        connection.close()


def redis_backlog(stream: str) -> int:
    """Entries of `stream` its group has not acknowledged: pending, or never read."""
    import redis

    server = redis.Redis.from_url(REDIS.url)
    try:
        [group] = server.xinfo_groups(stream)
        return int(group["pending"]) + int(group["lag"] or 0)
    finally:
        server.close()


def rabbitmq_dead_letters(client: Any, queue: str) -> list[Any]:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ.url))
    bodies = []
    try:
        channel = connection.channel()
        while True:
            method, _, body = channel.basic_get(queue + ".dlq", auto_ack=True)
            if method is None:
                return bodies
            bodies.append(json.loads(body))
    finally:
        connection.close()


def redis_dead_letters(client: Any, queue: str) -> list[Any]:
    import redis

    server = redis.Redis.from_url(REDIS.url)
    try:
        return [json.loads(fields[b"body"]) for _, fields in server.xrange(queue + ".dlq")]
    finally:
        server.close()


def mqtt_dead_letters(client: Any, queue: str) -> list[Any]:
    """What the consumer's session holds on the dead-letter topic (it subscribes to it)."""
    bodies = []
    while (delivery := client._transport.next_delivery(queue + "/dlq", 0.5)) is not None:
        bodies.append(json.loads(delivery.body))
        client._transport.ack(delivery.tag)
    return bodies


def nats_dead_letters(client: Any, queue: str) -> list[Any]:
    """The dead-letter subject's messages, read from its stream by sequence."""
    return list(client._transport.dead_letters(queue))


PEERS = {
    "rabbitmq": Peer(
        "RabbitMQ",
        RABBITMQ,
        "amqp",
        {"broker": "rabbitmq", "queues": [QUEUE]},
        password="guest",
        dead_letters=rabbitmq_dead_letters,
        backlog=rabbitmq_backlog,
    ),
    "redis": Peer(
        "Redis",
        REDIS,
        "redis",
        {"broker": "redis", "streams": [QUEUE], "claim_idle": 30.0},
        counts_redeliveries=True,
        claims=True,
        markers=(b"XREADGROUP", b"XACK"),
        dead_letters=redis_dead_letters,
        backlog=redis_backlog,
    ),
    "mqtt": Peer(
        "MQTT",
        MQTT,
        "mqtt",
        {"broker": "mqtt", "topics": [QUEUE]},
        same_identity=True,
        dead_letters=mqtt_dead_letters,
    ),
    "nats": Peer(
        "NATS",
        NATS,
        "nats",
        {"broker": "nats", "subjects": [QUEUE], "ack_wait": 1.0},
        counts_redeliveries=True,
        markers=(b"$JS.API.CONSUMER.MSG.NEXT", b"$JS.ACK"),
        dead_letters=nats_dead_letters,
    ),
}

"""A generated RabbitMQ client against the real broker through a proxy that cuts its
connections while it publishes and consumes: it reconnects and goes on, hands no message to
its handler twice and loses no confirmed one. A consumer that dies before acknowledging
leaves the message to the next, and a poison message ends in `<queue>.dlq`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pika
import pytest
from fault_packages import generate
from services import RABBITMQ, require
from tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

QUEUE = "jobs"
ATTEMPTS = 3
DIRECT_URL = "amqp://guest@127.0.0.1:5672/"


@pytest.fixture(scope="module")
def mq(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The generated adapter, rendered and imported once for this module."""
    requirements = {
        "broker": "rabbitmq",
        "url": "amqp://127.0.0.1:5672/",
        "queues": [QUEUE],
        "max_attempts": ATTEMPTS,
    }
    folder = tmp_path_factory.mktemp("faults_queue")
    return generate(folder, "Faults Queue", "message_queue", requirements)


@pytest.fixture
def namespace() -> Iterator[str]:
    """Throw-away queue names, deleted from the broker at the end."""
    require(RABBITMQ)
    prefix = f"faults-{uuid.uuid4().hex[:12]}."
    yield prefix
    with broker_channel() as channel:
        channel.queue_delete(f"{prefix}{QUEUE}")
        channel.queue_delete(f"{prefix}{QUEUE}.dlq")


class broker_channel:  # noqa: N801 - used as a context manager, like a function
    """A channel straight to the broker, to look at queues without the adapter."""

    def __enter__(self) -> Any:
        self._connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ.url))
        return self._connection.channel()

    def __exit__(self, *exc_info: object) -> None:
        self._connection.close()


def waiting(queue: str) -> int:
    with broker_channel() as channel:
        count: int = channel.queue_declare(queue, passive=True).method.message_count
        return count


def client(mq: ModuleType, namespace: str, proxy: TcpProxy | None = None) -> Any:
    """A client with quick backoff and a breaker that tolerates the cuts."""
    port = RABBITMQ.port if proxy is None else proxy.port
    return mq.FaultsQueueClient(
        f"amqp://guest@127.0.0.1:{port}/",
        password="guest",
        namespace=namespace,
        backoff_base=0.01,
        backoff_max=0.05,
        timeout=5.0,
        breaker=mq.CircuitBreaker(failure_threshold=100, reset_timeout=1.0),
    )


class Cutter:
    """Cuts every connection through `proxy` at random moments while the block runs, at
    most `limit` times (a real network does not fail without pause)."""

    def __init__(self, proxy: TcpProxy, seed: int, limit: int = 8) -> None:
        self._proxy, self._rng, self._limit = proxy, random.Random(seed), limit
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self.cuts = 0

    @property
    def done(self) -> bool:
        """Whether every cut has been made."""
        return self.cuts >= self._limit

    def _run(self) -> None:
        while not self.done and not self._stop.wait(self._rng.uniform(0.01, 0.05)):
            self.cuts += self._proxy.cut()

    def __enter__(self) -> Cutter:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def test_publishing_and_consuming_go_on_across_cuts(
    mq: ModuleType, namespace: str, proxy_factory: Callable[[int], TcpProxy]
) -> None:
    proxy = proxy_factory(RABBITMQ.port)
    confirmed: list[str] = []
    with client(mq, namespace, proxy) as publisher, Cutter(proxy, seed=5) as cutter:
        sent = 0
        while sent < 150 or not cutter.done:
            # One that raises was not confirmed: it may or may not have reached the queue.
            with contextlib.suppress(mq.FaultsQueueConnectionError):
                confirmed.append(publisher.publish(QUEUE, {"n": sent}))
            sent += 1
    handled: list[str] = []
    cuts = 0

    def handler(message: Any) -> None:
        nonlocal cuts
        handled.append(message.id)
        if len(handled) % 25 == 0:
            # Before the ack: the broker delivers this one, and those prefetched, again.
            cuts += proxy.cut()

    with client(mq, namespace, proxy) as consumer:
        consumer.consume(QUEUE, handler, idle_timeout=1.0)
    assert cuts >= 5 and len(confirmed) > sent // 2
    assert set(confirmed) <= set(handled)  # no confirmed message lost
    assert max(Counter(handled).values()) == 1  # none handed to the handler twice
    assert waiting(f"{namespace}{QUEUE}") == 0


async def async_consume(mq: ModuleType, namespace: str, proxy: TcpProxy) -> list[str]:
    handled: list[str] = []
    async with mq.AsyncFaultsQueueClient(
        f"amqp://guest@127.0.0.1:{proxy.port}/",
        password="guest",
        namespace=namespace,
        backoff_base=0.01,
    ) as consumer:

        async def handler(message: Any) -> None:
            handled.append(message.id)
            if len(handled) == 2:
                proxy.cut()  # lost before this message's ack reaches the broker

        await consumer.consume(QUEUE, handler, idle_timeout=1.0)
    return handled


def test_the_async_consumer_goes_on_after_a_cut(
    mq: ModuleType, namespace: str, proxy_factory: Callable[[int], TcpProxy]
) -> None:
    proxy = proxy_factory(RABBITMQ.port)
    with client(mq, namespace) as publisher:
        ids = [publisher.publish(QUEUE, {"n": n}) for n in range(4)]
    assert asyncio.run(async_consume(mq, namespace, proxy)) == ids
    assert waiting(f"{namespace}{QUEUE}") == 0


KILLED_CONSUMER = """
import sys, time
sys.path.insert(0, {folder!r})
import faults_queue_adapter as mq
consumer = mq.FaultsQueueClient({url!r}, password="guest", namespace={namespace!r})

def handler(message):
    print(message.id, flush=True)
    time.sleep(60)

consumer.consume({queue!r}, handler)
"""


def test_a_consumer_that_dies_before_acknowledging_leaves_the_message_to_the_next(
    mq: ModuleType, namespace: str
) -> None:
    with client(mq, namespace) as publisher:
        killed = publisher.publish(QUEUE, {"job": "killed"})
        crashed = publisher.publish(QUEUE, {"job": "crashed"})
    script = KILLED_CONSUMER.format(
        folder=str(Path(mq.__file__).parent), url=DIRECT_URL, namespace=namespace, queue=QUEUE
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == killed
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def crash(message: Any) -> None:
        raise SystemExit(f"handler crashed on {message.id}")

    with client(mq, namespace) as first, client(mq, namespace) as second:
        with pytest.raises(SystemExit):
            first.consume(QUEUE, crash)  # crashes on its first message, unacknowledged
        seen: list[Any] = []
        second.consume(QUEUE, seen.append, max_messages=2, idle_timeout=5.0)
    assert sorted(m.id for m in seen) == sorted([killed, crashed])
    assert [m.attempt for m in seen] == [1, 1]


def test_a_poison_message_ends_in_the_dead_letter_queue(mq: ModuleType, namespace: str) -> None:
    attempts: list[int] = []

    def poison(message: Any) -> None:
        attempts.append(message.attempt)
        raise ValueError("cannot handle this message")

    with client(mq, namespace) as consumer:
        consumer.publish(QUEUE, {"poison": True})
        consumer.consume(QUEUE, poison, max_messages=ATTEMPTS, idle_timeout=5.0)
    assert attempts == [1, 2, 3]
    assert waiting(f"{namespace}{QUEUE}") == 0
    with broker_channel() as channel:
        method, properties, body = channel.basic_get(f"{namespace}{QUEUE}.dlq", auto_ack=True)
    assert method is not None and json.loads(body) == {"poison": True}
    assert properties.headers["x-attempt"] == ATTEMPTS
    assert properties.headers["x-death"][0]["reason"] == "rejected"

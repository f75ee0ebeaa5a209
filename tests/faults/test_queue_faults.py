"""Generated queue clients against the real brokers (RabbitMQ, Redis Streams, MQTT, NATS
JetStream) through a proxy that cuts their connections while they publish and consume: each
reconnects and goes on, hands no message to its handler twice and loses no confirmed one. A
consumer that dies before acknowledging leaves the message to the next, and a poison message
ends in the queue's dead-letter queue after its attempts."""

from __future__ import annotations

import asyncio
import contextlib
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

import pytest
from fault_packages import generate
from queue_peers import ATTEMPTS, PEERS, QUEUE, Peer, api
from services import require
from tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=sorted(PEERS))
def peer(request: pytest.FixtureRequest) -> Peer:
    return PEERS[request.param]


@pytest.fixture(scope="module")
def mq(peer: Peer, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The broker's generated adapter, rendered and imported once for this module."""
    folder = tmp_path_factory.mktemp(f"faults_{peer.scheme}")
    return generate(folder, peer.service_name, "message_queue", peer.requirements())


@pytest.fixture
def namespace(peer: Peer, mq: ModuleType) -> Iterator[str]:
    """Throw-away queue names; the queues (and an MQTT session) are deleted at the end."""
    require(peer.service)
    prefix = f"faults-{uuid.uuid4().hex[:12]}."
    yield prefix
    with client(mq, peer, prefix) as cleanup:
        cleanup.delete_queues()


def client(
    mq: ModuleType,
    peer: Peer,
    namespace: str,
    proxy: TcpProxy | None = None,
    *,
    consumer: bool = True,
    asynchronous: bool = False,
    restarted: bool = False,
) -> Any:
    """A client with quick backoff and a breaker that tolerates the cuts; `restarted`, one
    that takes over what a vanished consumer left (Redis: claimed after 0.3 s idle)."""
    names = api(mq)
    factory = names.async_client if asynchronous else names.client
    options: dict[str, Any] = {}
    if restarted and peer.claims:
        url = peer.url(namespace, None if proxy is None else proxy.port)
        options["transport"] = mq.RedisStreamsTransport(url, None, 5.0, claim_idle=0.3)
    return factory(
        peer.url(namespace, None if proxy is None else proxy.port, consumer=consumer),
        password=peer.password,
        namespace=namespace,
        backoff_base=0.01,
        backoff_max=0.05,
        timeout=5.0,
        breaker=mq.CircuitBreaker(failure_threshold=100, reset_timeout=1.0),
        **options,
    )


def assert_drained(peer: Peer, consumer: Any, namespace: str) -> None:
    """Nothing is left for the handler, and the broker holds nothing unacknowledged."""
    again: list[str] = []
    consumer.consume(QUEUE, lambda message: again.append(message.id), idle_timeout=0.5)
    assert again == []
    if peer.backlog is not None:
        assert peer.backlog(f"{namespace}{QUEUE}") == 0


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
    mq: ModuleType, peer: Peer, namespace: str, proxy_factory: Callable[[int], TcpProxy]
) -> None:
    proxy = proxy_factory(peer.service.port)
    names = api(mq)
    unconfirmed = (names.connection_error, names.timeout_error)
    confirmed: list[str] = []
    handled: list[str] = []
    cuts = 0

    def handler(message: Any) -> None:
        nonlocal cuts
        handled.append(message.id)
        if len(handled) >= 10 * (cuts + 1):
            # Before the ack: the broker delivers this one, and those prefetched, again.
            # (None is live while a client has yet to reconnect: cut at the next message.)
            cuts += proxy.cut()

    with client(mq, peer, namespace, proxy) as queue:
        with Cutter(proxy, seed=5) as cutter:
            sent = 0
            while sent < 150 or not cutter.done:
                # One that raises was not confirmed: it may or may not have reached the queue.
                with contextlib.suppress(*unconfirmed):
                    confirmed.append(queue.publish(QUEUE, {"n": sent}))
                sent += 1
        queue.consume(QUEUE, handler, idle_timeout=2.0)
        # More than one cut while consuming (a cut meets no live connection while a client
        # is reconnecting or works through what it had received: MQTT's whole in-flight
        # window), and most publishes confirmed.
        assert (cuts >= 2, len(confirmed) > sent // 2) == (True, True), (cuts, sent, len(confirmed))
        assert set(confirmed) <= set(handled)  # no confirmed message lost
        assert max(Counter(handled).values()) == 1  # none handed to the handler twice
        assert_drained(peer, queue, namespace)


async def async_consume(mq: ModuleType, peer: Peer, namespace: str, proxy: TcpProxy) -> list[str]:
    handled: list[str] = []
    async with client(mq, peer, namespace, proxy, asynchronous=True) as consumer:

        async def handler(message: Any) -> None:
            handled.append(message.id)
            if len(handled) == 2:
                proxy.cut()  # lost before this message's ack reaches the broker

        await consumer.consume(QUEUE, handler, idle_timeout=2.0)
    return handled


def test_the_async_consumer_goes_on_after_a_cut(
    mq: ModuleType, peer: Peer, namespace: str, proxy_factory: Callable[[int], TcpProxy]
) -> None:
    proxy = proxy_factory(peer.service.port)
    with client(mq, peer, namespace) as publisher:
        ids = [publisher.publish(QUEUE, {"n": n}) for n in range(4)]
        assert asyncio.run(async_consume(mq, peer, namespace, proxy)) == ids
        assert_drained(peer, publisher, namespace)


@pytest.mark.parametrize(
    "peer", [name for name, peer in sorted(PEERS.items()) if peer.markers], indirect=True
)
def test_a_lost_read_reply_and_a_lost_ack_neither_lose_nor_repeat_a_message(
    mq: ModuleType, peer: Peer, namespace: str, proxy_factory: Callable[[int], TcpProxy]
) -> None:
    """The broker delivered entries whose reply never arrived, then an ack never reached it:
    both come again (long before Redis's `claim_idle`), and the handler sees each once."""
    assert peer.markers is not None
    read, acknowledge = peer.markers
    proxy = proxy_factory(peer.service.port)
    handled: list[str] = []
    traps: list[threading.Event] = []

    def handler(message: Any) -> None:
        handled.append(message.id)
        if len(handled) == 1:
            traps.append(proxy.cut_at(acknowledge, deliver=False))

    with client(mq, peer, namespace, proxy) as queue:
        ids = [queue.publish(QUEUE, {"n": n}) for n in range(3)]
        traps.append(proxy.cut_at(read, deliver=True))
        queue.consume(QUEUE, handler, idle_timeout=2.0)
        assert [trap.is_set() for trap in traps] == [True, True]
        assert sorted(handled) == sorted(ids)
        assert_drained(peer, queue, namespace)


KILLED_CONSUMER = """
import sys, time
sys.path.insert(0, {folder!r})
import {module} as mq
consumer = mq.{client}({url!r}, password={password!r}, namespace={namespace!r})
print("ready", flush=True)

def handler(message):
    print(message.id, flush=True)
    time.sleep(60)

consumer.consume({queue!r}, handler)
"""


def killed_consumer(mq: ModuleType, peer: Peer, namespace: str) -> subprocess.Popen[str]:
    """A consumer in its own process, started and ready (its queues declared)."""
    script = KILLED_CONSUMER.format(
        folder=str(Path(mq.__file__).parent),
        module=mq.__name__,
        client=api(mq).client.__name__,
        url=peer.url(namespace),
        password=peer.password,
        namespace=namespace,
        queue=QUEUE,
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def test_a_consumer_that_dies_before_acknowledging_leaves_the_message_to_the_next(
    mq: ModuleType, peer: Peer, namespace: str
) -> None:
    process = killed_consumer(mq, peer, namespace)
    try:
        with client(mq, peer, namespace, consumer=False) as publisher:
            killed = publisher.publish(QUEUE, {"job": "killed"})
            crashed = publisher.publish(QUEUE, {"job": "crashed"})
        assert process.stdout is not None
        assert process.stdout.readline().strip() == killed
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def crash(message: Any) -> None:
        raise SystemExit(f"handler crashed on {message.id}")

    with client(mq, peer, namespace, restarted=True) as first, pytest.raises(SystemExit):
        first.consume(QUEUE, crash, idle_timeout=5.0)  # crashes on a message, unacknowledged
    seen: list[Any] = []
    with client(mq, peer, namespace, restarted=True) as second:
        second.consume(QUEUE, seen.append, max_messages=2, idle_timeout=5.0)
        assert sorted(m.id for m in seen) == sorted([killed, crashed])
        if peer.counts_redeliveries:
            assert all(m.attempt > 1 for m in seen)
        else:
            assert [m.attempt for m in seen] == [1, 1]
        assert_drained(peer, second, namespace)


def test_a_poison_message_ends_in_the_dead_letter_queue(
    mq: ModuleType, peer: Peer, namespace: str
) -> None:
    attempts: list[int] = []

    def poison(message: Any) -> None:
        attempts.append(message.attempt)
        raise ValueError("cannot handle this message")

    with client(mq, peer, namespace) as consumer:
        consumer.publish(QUEUE, {"poison": True})
        consumer.consume(QUEUE, poison, max_messages=ATTEMPTS, idle_timeout=5.0)
        assert attempts == [1, 2, 3]
        assert consumer.metrics()[QUEUE].dead_lettered == 1
        assert_drained(peer, consumer, namespace)
        assert peer.dead_letters(consumer, f"{namespace}{QUEUE}") == [{"poison": True}]

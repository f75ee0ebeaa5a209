"""Tests of the Order Queue client: offline against InMemoryBroker, and against the
real broker when ORDER_QUEUE_URL is set."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from order_queue_adapter import (
    DEAD_LETTER_SUFFIX,
    QUEUES,
    REJECTED_HEADER,
    AsyncOrderQueueClient,
    Delivery,
    InMemoryBroker,
    MemorySeenSet,
    Message,
    OrderQueueClient,
    OrderQueueConfigurationError,
    OrderQueueConnectionError,
    OrderQueueError,
    OrderQueueMessageError,
    OrderQueuePublishError,
    OrderQueueTimeoutError,
    OrdersMessage,
)

QUEUE = "orders"
# What the tests publish to QUEUE: a message its schema, if it has one, accepts.
BODY: dict[str, Any] = {
    "id": "text",
    "lines": [{"quantity": 7, "sku": "text"}],
    "placed_at": "2024-01-02T03:04:05Z",
    "total": 2.5,
}
ATTEMPTS = QUEUES[QUEUE].max_attempts
LIVE = bool(os.environ.get("ORDER_QUEUE_URL"))
BACKENDS = ["memory", "live"] if LIVE else ["memory"]


def make_client(
    backend: str,
    broker: InMemoryBroker | None = None,
    namespace: str | None = None,
    **options: Any,
) -> OrderQueueClient:
    """An in-memory client, or one on the real broker with throw-away queue names."""
    if backend == "live":
        namespace = namespace or f"test-{uuid.uuid4().hex[:12]}."
        return OrderQueueClient(namespace=namespace, backoff_base=0.0, **options)
    return OrderQueueClient(transport=broker or InMemoryBroker(), backoff_base=0.0)


@pytest.fixture(params=BACKENDS)
def client(request: pytest.FixtureRequest) -> Iterator[OrderQueueClient]:
    made = make_client(request.param)
    try:
        yield made
    finally:
        made.delete_queues()
        made.close()


def collect(client: OrderQueueClient, count: int) -> list[Message]:
    seen: list[Message] = []
    client.consume(QUEUE, seen.append, max_messages=count, idle_timeout=5.0)
    return seen


def test_publish_then_consume_acks(client: OrderQueueClient) -> None:
    message_id = client.publish(QUEUE, BODY)
    [message] = collect(client, 1)
    assert (message.id, message.body, message.attempt) == (message_id, BODY, 1)
    assert client.metrics()[QUEUE].acked == 1
    assert client.metrics()[QUEUE].published == 1
    assert client.consume(QUEUE, collect_nothing, idle_timeout=0.3) == 0


def collect_nothing(message: Message) -> None:
    raise AssertionError(f"unexpected message {message.id}")


def test_failures_are_retried_then_dead_lettered(client: OrderQueueClient) -> None:
    attempts: list[int] = []

    def failing(message: Message) -> None:
        attempts.append(message.attempt)
        raise RuntimeError("handler failed")

    client.publish(QUEUE, BODY)
    client.consume(QUEUE, failing, max_messages=ATTEMPTS, idle_timeout=5.0)
    assert attempts == list(range(1, ATTEMPTS + 1))
    counts = client.metrics()[QUEUE]
    assert (counts.retried, counts.dead_lettered, counts.acked) == (ATTEMPTS - 1, 1, 0)
    assert client.consume(QUEUE, collect_nothing, idle_timeout=0.3) == 0


def test_a_retried_message_can_succeed(client: OrderQueueClient) -> None:
    calls: list[int] = []

    def flaky(message: Message) -> None:
        calls.append(message.attempt)
        if len(calls) == 1 and ATTEMPTS > 1:
            raise RuntimeError("first try fails")

    client.publish(QUEUE, BODY)
    client.consume(QUEUE, flaky, max_messages=min(2, ATTEMPTS), idle_timeout=5.0)
    assert client.metrics()[QUEUE].acked == 1


def test_duplicate_message_ids_are_skipped(client: OrderQueueClient) -> None:
    client.publish(QUEUE, BODY, message_id="same-id")
    client.publish(QUEUE, BODY, message_id="same-id")
    handled: list[Message] = []
    client.consume(QUEUE, handled.append, max_messages=2, idle_timeout=5.0)
    assert [(m.id, m.body) for m in handled] == [("same-id", BODY)]
    assert client.metrics()[QUEUE].duplicates == 1


class Crash(BaseException):
    """A consumer dying mid-message: not an error the client handles."""


def crash(message: Message) -> None:
    raise Crash(message.id)


def restarted(backend: str, broker: InMemoryBroker, namespace: str) -> OrderQueueClient:
    """A consumer as a (re)started process makes it; live, with the options under
    which the broker gives it what a crashed one left unacknowledged
    (`restart_options`, in the broker's own section at the end of this file)."""
    options = restart_options(namespace) if backend == "live" else {}
    return make_client(backend, broker, namespace, **options)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_consumer_crashing_before_the_ack_gets_the_message_again(
    backend: str,
) -> None:
    broker, namespace = InMemoryBroker(), f"test-{uuid.uuid4().hex[:12]}."
    first = restarted(backend, broker, namespace)
    message_id = first.publish(QUEUE, BODY)
    with pytest.raises(Crash):
        first.consume(QUEUE, crash, max_messages=1, idle_timeout=5.0)
    first.close()  # the crashed consumer's connection is gone
    second = restarted(backend, broker, namespace)
    try:
        [again] = collect(second, 1)
        assert (again.id, again.body) == (message_id, BODY)
    finally:
        second.delete_queues()
        second.close()


def test_stop_finishes_the_message_in_flight(client: OrderQueueClient) -> None:
    ids = [client.publish(QUEUE, BODY) for _ in range(3)]
    handled: list[str] = []

    def stop_after_first(message: Message) -> None:
        client.stop()
        handled.append(message.id)

    assert client.consume(QUEUE, stop_after_first) == 1
    assert handled == ids[:1]
    assert client.metrics()[QUEUE].acked == 1
    rest = collect(client, 2)
    assert [m.id for m in rest] == ids[1:]


def test_dead_letter_queue_holds_the_poison_message() -> None:
    broker = InMemoryBroker()
    client = make_client("memory", broker)
    client.publish(QUEUE, BODY)
    client.consume(QUEUE, raise_error, max_messages=ATTEMPTS)
    expected = [BODY] if QUEUES[QUEUE].dead_letter else []
    assert broker.bodies(QUEUE + DEAD_LETTER_SUFFIX) == expected


def raise_error(message: Message) -> None:
    raise ValueError(message.id)


def test_undecodable_messages_are_dead_lettered() -> None:
    broker = InMemoryBroker()
    client = make_client("memory", broker)
    client.publish(QUEUE, BODY)
    broker.queues[QUEUE][0] = broker.queues[QUEUE][0].__class__(0, b"[1]", "x", {})
    assert client.consume(QUEUE, collect_nothing, max_messages=1) == 1
    counts = client.metrics()[QUEUE]
    assert (counts.rejected, counts.dead_lettered, counts.retried) == (1, 1, 0)
    expected = [[1]] if QUEUES[QUEUE].dead_letter else []
    assert broker.bodies(QUEUE + DEAD_LETTER_SUFFIX) == expected


def test_bad_messages_and_queues_raise_typed_errors() -> None:
    client = make_client("memory")
    with pytest.raises(OrderQueueMessageError):
        client.publish(QUEUE, {"x": object()})
    with pytest.raises(OrderQueueMessageError):
        client.publish(QUEUE, ["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(OrderQueueConfigurationError):
        client.consume("no-such-queue", collect_nothing)
    assert issubclass(OrderQueueConfigurationError, OrderQueueError)


def test_publishing_retries_connection_failures_and_reports_refusals() -> None:
    broker = InMemoryBroker()
    client = make_client("memory", broker)
    broker.fail_publishes = 1
    client.publish(QUEUE, BODY)
    assert len(broker.queues[QUEUE]) == 1
    broker.fail_publishes = 10
    with pytest.raises(OrderQueueConnectionError):
        client.publish(QUEUE, BODY)
    broker.fail_publishes = 0
    broker.reject_publishes = True
    with pytest.raises(OrderQueuePublishError):
        client.publish(QUEUE, BODY)


def test_a_lost_connection_redelivers_only_what_was_not_acknowledged() -> None:
    broker = InMemoryBroker()
    client = make_client("memory", broker)
    ids = [client.publish(QUEUE, BODY) for _ in range(3)]
    handled: list[str] = []

    def handler(message: Message) -> None:
        handled.append(message.id)
        if len(handled) == 2:
            broker.drop_connection()  # lost before this message's ack reached the broker

    client.consume(QUEUE, handler, idle_timeout=0.3)
    assert handled == ids
    assert (client.metrics()[QUEUE].acked, client.metrics()[QUEUE].duplicates) == (2, 1)
    assert (len(broker.queues[QUEUE]), broker.unacked) == (0, {})
    broker.fail_deliveries = 10
    with pytest.raises(OrderQueueConnectionError):
        client.consume(QUEUE, collect_nothing, idle_timeout=0.3)


def test_the_password_never_appears_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_QUEUE_URL", "amqp://user@127.0.0.1:9/")
    monkeypatch.setenv("ORDER_QUEUE_PASSWORD", "s3cret-value")
    with pytest.raises(OrderQueueConnectionError) as caught:
        OrderQueueClient(timeout=0.5)
    assert "s3cret-value" not in str(caught.value)


def test_a_queue_the_broker_refuses_to_declare_is_a_connection_error() -> None:
    from order_queue_adapter import TransportError

    class Refusing(InMemoryBroker):
        def declare(self, *_: object) -> None:
            raise TransportError("access refused")

    with pytest.raises(OrderQueueConnectionError, match="cannot declare the queues"):
        OrderQueueClient(transport=Refusing())


def test_seen_set_forgets_the_oldest_ids() -> None:
    seen = MemorySeenSet(limit=2)
    for message_id in ("a", "b", "b", "c"):
        seen.add(message_id)
    assert ("a" in seen, "b" in seen, "c" in seen) == (False, True, True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_async_client_publishes_and_consumes(backend: str) -> None:
    async def scenario() -> list[dict[str, object]]:
        options = (
            {"namespace": f"test-{uuid.uuid4().hex[:12]}."}
            if backend == "live"
            else {"transport": InMemoryBroker()}
        )
        handled: list[dict[str, object]] = []
        async with AsyncOrderQueueClient(backoff_base=0.0, **options) as client:
            try:

                async def handler(message: Message) -> None:
                    if message.attempt == 1 and ATTEMPTS > 1:
                        raise RuntimeError("retry me")
                    handled.append(message.body)
                    client.stop()

                await client.publish(QUEUE, BODY, timeout=10.0)
                await client.consume(QUEUE, handler, idle_timeout=5.0)
                assert client.metrics()[QUEUE].acked == 1
            finally:
                await client.delete_queues()
        return handled

    assert asyncio.run(scenario()) == [BODY]


def test_the_circuit_opens_after_repeated_connection_failures() -> None:
    broker = InMemoryBroker()
    client = make_client("memory", broker)
    broker.fail_publishes = 100
    for _ in range(2):
        with pytest.raises(OrderQueueConnectionError):
            client.publish(QUEUE, BODY)
    with pytest.raises(OrderQueueConnectionError, match="circuit"):
        client.publish(QUEUE, BODY)
    assert client.calls.snapshot()["publish:" + QUEUE].errors >= 5


def test_async_client_needs_a_connection_and_honours_timeouts() -> None:
    async def scenario() -> None:
        client = AsyncOrderQueueClient(transport=InMemoryBroker())
        with pytest.raises(OrderQueueConfigurationError):
            client.stop()
        await client.connect()
        await client.consume(QUEUE, never_called, idle_timeout=0.1, poll_interval=0.05)
        with pytest.raises(OrderQueueTimeoutError):
            await client._run(lambda: time.sleep(0.2), 0.01)
        await client.aclose()

    asyncio.run(scenario())


async def never_called(message: Message) -> None:
    raise AssertionError(message.id)


# Message schemas: orders is validated against OrdersMessage.
TYPED_QUEUE = "orders"
VALID: dict[str, Any] = {
    "id": "text",
    "lines": [{"quantity": 7, "sku": "text"}],
    "placed_at": "2024-01-02T03:04:05Z",
    "total": 2.5,
}
# Invalid because of its id field.
INVALID: dict[str, Any] = {
    "lines": [{"quantity": 7, "sku": "text"}],
    "placed_at": "2024-01-02T03:04:05Z",
    "total": 2.5,
}
INVALID_FIELD = "id"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_valid_message_arrives_as_its_typed_model(backend: str) -> None:
    client = make_client(backend)
    try:
        client.publish(TYPED_QUEUE, VALID)
        client.publish(
            TYPED_QUEUE, OrdersMessage.model_validate_json(json.dumps(VALID))
        )
        handled: list[Message] = []
        client.consume(TYPED_QUEUE, handled.append, max_messages=2, idle_timeout=5.0)
        assert [m.body for m in handled] == [VALID, VALID]
        typed = handled[0].parsed(OrdersMessage)
        assert isinstance(typed, OrdersMessage)
        assert typed.model_dump(mode="json", by_alias=True, exclude_unset=True) == VALID
        assert client.metrics()[TYPED_QUEUE].acked == 2
    finally:
        client.delete_queues()
        client.close()


def test_parsing_a_message_as_another_model_is_an_error() -> None:
    message = Message("id", TYPED_QUEUE, VALID, 1)
    with pytest.raises(OrderQueueMessageError, match=TYPED_QUEUE):
        message.parsed(OrdersMessage)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_invalid_message_is_refused_and_nothing_is_sent(backend: str) -> None:
    client = make_client(backend)
    try:
        with pytest.raises(OrderQueueMessageError) as caught:
            client.publish(TYPED_QUEUE, INVALID)
        assert repr(TYPED_QUEUE) in str(caught.value)
        assert f"{INVALID_FIELD}:" in str(caught.value)
        assert client.metrics()[TYPED_QUEUE].published == 0
        assert client.consume(TYPED_QUEUE, collect_nothing, idle_timeout=0.5) == 0
    finally:
        client.delete_queues()
        client.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_invalid_message_arriving_is_dead_lettered_without_retries(
    backend: str,
) -> None:
    broker = InMemoryBroker()
    client = make_client(backend, broker)
    try:
        forged = Delivery(
            0, json.dumps(INVALID).encode(), f"forged-{uuid.uuid4().hex}", {}
        )
        client._transport.publish("", client._physical(TYPED_QUEUE), forged, 5.0)
        assert client.consume(TYPED_QUEUE, collect_nothing, max_messages=1) == 1
        counts = client.metrics()[TYPED_QUEUE]
        assert (counts.rejected, counts.dead_lettered) == (1, 1)
        assert (counts.retried, counts.failed, counts.acked) == (0, 0, 0)
        assert client.consume(TYPED_QUEUE, collect_nothing, idle_timeout=0.5) == 0
        if backend == "memory" and QUEUES[TYPED_QUEUE].dead_letter:
            [letter] = broker.queues[TYPED_QUEUE + DEAD_LETTER_SUFFIX]
            assert (letter.message_id, letter.body) == (forged.message_id, forged.body)
            assert f"{INVALID_FIELD}:" in letter.headers[REJECTED_HEADER]
    finally:
        client.delete_queues()
        client.close()


def restart_options(namespace: str) -> dict[str, Any]:
    """None needed: RabbitMQ requeues what a closed channel left unacknowledged."""
    return {}

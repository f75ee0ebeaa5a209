"""Usage examples for the Order Queue client."""

from __future__ import annotations

from order_queue_adapter import (
    InMemoryBroker,
    Message,
    OrderQueueClient,
)


def publish_and_consume(client: OrderQueueClient) -> list[dict[str, object]]:
    """Publish one message and handle it; returns the bodies handled."""
    handled: list[dict[str, object]] = []

    def handler(message: Message) -> None:
        handled.append(message.body)

    client.publish(
        "orders",
        {
            "id": "text",
            "lines": [{"quantity": 7, "sku": "text"}],
            "placed_at": "2024-01-02T03:04:05Z",
            "total": 2.5,
        },
    )
    client.consume("orders", handler, max_messages=1)
    return handled


def main() -> None:
    """Runs offline against the in-memory broker; drop `transport=` to use the real one."""
    with OrderQueueClient(transport=InMemoryBroker()) as client:
        print(publish_and_consume(client))


if __name__ == "__main__":
    main()

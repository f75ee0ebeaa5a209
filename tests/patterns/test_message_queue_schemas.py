"""Message schemas in the message_queue pattern: the requirements accept the api pattern's
schema language on every broker's queue key and refuse what it cannot check; the context
names the models and the test messages; the rendered client refuses exactly the messages
its schema refuses (loaded in-process, no subprocess)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

import pytest
from pydantic import ValidationError

from agentflow.generation.generate import render_package
from agentflow.patterns.message_queue import MessageQueuePattern
from agentflow.patterns.message_queue.context import build_queue_context
from agentflow.patterns.message_queue.requirements import MessageQueueRequirements
from agentflow.spec.models import IntegrationSpec

PATTERN = MessageQueuePattern()
ORDER = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "total": {"type": "number"}},
}
TYPED = {
    "broker": "rabbitmq",
    "queues": [
        {"name": "orders", "schema": ORDER},
        "invoices",
        {"name": "refunds", "schema": "Refund"},
    ],
    "schemas": {
        "Refund": {
            "additionalProperties": False,
            "properties": {
                "amount": {"type": "integer"},
                "reason": {"enum": ["damaged", "late"]},
            },
        }
    },
}


def validate(requirements: dict[str, Any]) -> MessageQueueRequirements:
    return MessageQueueRequirements.model_validate(requirements)


def mq(requirements: dict[str, Any]) -> dict[str, Any]:
    context = build_queue_context(validate(requirements), slug="order_queue")["mq"]
    assert isinstance(context, dict)
    return context


def render(requirements: dict[str, Any]) -> dict[str, str]:
    spec = IntegrationSpec(service="Order Queue", type="message_queue", requirements=requirements)
    return dict(render_package(spec, PATTERN, validate(requirements)))


@pytest.mark.parametrize(
    ("broker", "key", "name"),
    [
        ("rabbitmq", "queues", "orders"),
        ("redis", "streams", "orders"),
        ("mqtt", "topics", "shop/orders"),
        ("nats", "subjects", "shop.orders"),
    ],
)
def test_each_brokers_queue_key_takes_a_schema(broker: str, key: str, name: str) -> None:
    model = validate({"broker": broker, key: [{"name": name, "schema": ORDER}]})
    schema = model.queues[0].schema_
    assert schema is not None and schema.required == ("id",)


@pytest.mark.parametrize("ref", ["#/schemas/Order", "#/components/schemas/Order", "Order"])
def test_a_queue_refers_to_a_named_schema(ref: str) -> None:
    context = mq(
        {
            "broker": "rabbitmq",
            "queues": [{"name": "orders", "schema": {"$ref": ref}}],
            "schemas": {"Order": ORDER},
        }
    )
    assert context["queues"][0].model == "Order"
    assert [m.name for m in context["typing"].models] == ["Order"]


@pytest.mark.parametrize(
    ("schema", "schemas", "message"),
    [
        (
            {"$ref": "Ordr"},
            {"Order": ORDER},
            "refers to schema 'Ordr', which `schemas:` does not declare (declared: Order)",
        ),
        ({"type": "array", "items": {"type": "string"}}, {}, "must be an object with `properties`"),
        ({"properties": {"id": {"oneOf": [{"type": "string"}]}}}, {}, "`oneOf` is not supported"),
        ({"properties": {"id": {"type": "strin"}}}, {}, "literal_error"),
        ({"properties": {"id": {}}}, {}, "every JSON object satisfies this schema"),
        ({"properties": {"id": {"type": "string"}}, "required": ["ids"]}, {}, "'ids'"),
        (
            {"properties": {"id": {"type": "string"}}, "title": "Order", "minProperties": 1},
            {"1x": ORDER},
            "is not a schema name",
        ),
    ],
)
def test_schemas_that_cannot_be_checked_are_refused(
    schema: dict[str, Any], schemas: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        validate(
            {
                "broker": "rabbitmq",
                "queues": [{"name": "orders", "schema": schema}],
                "schemas": schemas,
            }
        )
    assert message in str(caught.value) or message in str(caught.value.errors())


def test_the_context_names_models_and_test_messages() -> None:
    context = mq(TYPED)
    assert [(q.name, q.model) for q in context["queues"]] == [
        ("orders", "OrdersMessage"),
        ("invoices", None),
        ("refunds", "Refund"),
    ]
    assert context["dependencies"] == ("pika>=1.3", "pydantic>=2.7")
    orders, refunds = context["typing"].queues
    assert (orders.valid, orders.invalid, orders.invalid_field) == (
        {"id": "text", "total": 2.5},
        {"total": 2.5},
        "id",
    )
    assert refunds.invalid_field == "amount" and refunds.invalid["amount"] == "text"
    assert context["test_body"] == orders.valid
    assert [m.closed for m in context["typing"].models] == [False, True]


def test_a_package_without_schemas_has_no_pydantic() -> None:
    files = render({"broker": "rabbitmq", "queues": ["orders"]})
    assert "pydantic" not in files["pyproject.toml"]
    assert "pydantic" not in files["order_queue_adapter.py"]
    assert "_validated" not in files["order_queue_adapter.py"]


def test_a_model_never_takes_a_name_the_adapter_uses() -> None:
    context = mq(
        {
            "broker": "rabbitmq",
            "queues": [{"name": "orders", "schema": "Message"}],
            "schemas": {"Message": ORDER, "PaymentError": ORDER},
        }
    )
    assert sorted(m.name for m in context["typing"].models) == ["MessageModel", "PaymentErrorModel"]


def test_rendering_a_typed_package_is_deterministic() -> None:
    assert render(TYPED) == render(TYPED)


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The rendered adapter of `TYPED`, imported from a scratch folder."""
    folder = tmp_path_factory.mktemp("typed_queue")
    for path, text in render(TYPED).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(
            "typed_queue_adapter", folder / "order_queue_adapter.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module


def test_the_client_refuses_what_the_schema_refuses(adapter: ModuleType) -> None:
    broker = adapter.InMemoryBroker()
    client = adapter.OrderQueueClient(transport=broker)
    client.publish("orders", {"id": "a-1", "total": 9, "note": "kept"})
    client.publish("refunds", adapter.Refund(amount=3, reason="late"))
    client.publish("invoices", {"anything": True})
    bad = [
        ("orders", {"total": 1.5}, "id: Field required"),
        ("orders", {"id": 7}, "id: Input should be a valid string"),
        ("orders", {"id": "a", "total": "9"}, "total: Input should be a valid number"),
        ("refunds", {"amount": 1, "extra": 1}, "extra: Extra inputs are not permitted"),
        ("refunds", {"reason": "lost"}, "reason: Input should be 'damaged' or 'late'"),
    ]
    for queue, message, problem in bad:
        with pytest.raises(adapter.OrderQueueMessageError) as caught:
            client.publish(queue, message)
        assert str(caught.value) == f"a message for {queue!r} does not match its schema: {problem}"
    assert [len(broker.queues[q]) for q in ("orders", "refunds", "invoices")] == [1, 1, 1]
    handled: list[Any] = []
    client.consume("refunds", handled.append, max_messages=1)
    assert handled[0].parsed(adapter.Refund).amount == 3

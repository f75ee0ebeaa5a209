"""NATS JetStream in the message_queue pattern: subjects as queues, the streams a package
declares, and its rendering (its live run is in test_message_queue.py with the others)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from agentflow.generation.generate import render_package
from agentflow.patterns.message_queue import MessageQueuePattern
from agentflow.patterns.message_queue.requirements import MessageQueueRequirements
from agentflow.patterns.message_queue.streams import build_nats_view, captures
from agentflow.spec.models import IntegrationSpec

ROOT = Path(__file__).resolve().parents[2]
FLAT = {"url": "nats://localhost:4222", "subjects": ["orders.created"]}


def validate(**changes: Any) -> MessageQueueRequirements:
    return MessageQueueRequirements.model_validate({**FLAT, **changes})


def render(requirements: dict[str, Any]) -> dict[str, str]:
    spec = IntegrationSpec(service="Order Events", type="message_queue", requirements=requirements)
    model = MessageQueueRequirements.model_validate(requirements)
    return dict(render_package(spec, MessageQueuePattern(), model))


def test_subjects_are_the_queues_in_either_form() -> None:
    model = validate(subjects=["orders.created", {"name": "audit", "max_attempts": 2}], ack_wait=5)
    assert [(q.name, q.max_attempts) for q in model.queues] == [
        ("orders.created", None),
        ("audit", 2),
    ]
    assert (model.broker, model.ack_wait) == ("nats", 5)


def test_the_broker_alone_gets_the_nats_default_url() -> None:
    model = MessageQueueRequirements.model_validate({"broker": "nats", "subjects": ["a"]})
    assert model.url == "nats://localhost:4222"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subjects": ["events.>"]}, "wildcards `\\*` and `>` belong in a stream"),
        ({"subjects": ["a..b"]}, "NATS JetStream queue names use dot-separated tokens"),
        ({"subjects": ["a.b", "a_b"]}, "share a consumer name: a_b"),
        ({"subjects": ["a", "a.dlq"]}, "clash with a dead-letter"),
        ({"subjects": ["a", "a"]}, "declared twice"),
        ({"subjects": []}, "declare at least one queue: `subjects: \\[orders\\]`"),
        ({"queues": ["b"]}, "`subjects` or `queues`, not both"),
        ({"exchange": "shop"}, "`exchange` applies to RabbitMQ, not NATS JetStream"),
        ({"topics": ["a"]}, "`topics` applies to MQTT and Kafka, not NATS JetStream"),
        ({"streams": [{"name": "A.B", "subjects": ["a"]}]}, "string_pattern_mismatch"),
        ({"streams": [{"name": "S", "subjects": ["a.>.b"]}]}, "is not a NATS subject"),
        ({"streams": [{"name": "S", "subjects": ["a"]}] * 2}, "streams are declared twice"),
        ({"url": "nats:///"}, "url must be nats://host"),
        ({"ack_wait": 0}, "greater than 0"),
    ],
)
def test_bad_nats_requirements_are_refused_clearly(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate(**changes)


@pytest.mark.parametrize(
    ("pattern", "subject", "held"),
    [
        ("orders.*", "orders.created", True),
        ("orders.*", "orders.created.dlq", False),
        ("orders.>", "orders.created.dlq", True),
        ("orders.>", "orders", False),
        ("orders", "orders", True),
        ("*.created", "orders.created", True),
        (">", "anything.at.all", True),
    ],
)
def test_stream_subjects_capture_as_nats_matches_them(
    pattern: str, subject: str, held: bool
) -> None:
    assert captures(pattern, subject) is held


def test_queues_go_to_their_stream_else_the_packages_own() -> None:
    model = validate(
        subjects=["orders.created", "invoices"],
        streams=[{"name": "ORDERS", "subjects": ["orders.*"]}],
    )
    view = build_nats_view(model, slug="order_events")
    streams = {s.name: (s.subjects, s.retention) for s in view.streams}
    assert streams == {
        "ORDERS": (("orders.*",), "limits"),
        "ORDER_EVENTS": (("invoices",), "workqueue"),
        "ORDER_EVENTS_DLQ": (("orders.created.dlq", "invoices.dlq"), "limits"),
    }
    placed = {q.queue: (q.stream, q.dead_letter_stream) for q in view.queue_streams}
    assert placed == {
        "orders.created": ("ORDERS", "ORDER_EVENTS_DLQ"),
        "invoices": ("ORDER_EVENTS", "ORDER_EVENTS_DLQ"),
    }


def test_a_wildcard_stream_keeps_the_dead_letters_and_names_never_clash() -> None:
    model = validate(
        subjects=["events.created", {"name": "audit", "dead_letter": False, "durable": False}],
        streams=[{"name": "ORDER_EVENTS", "subjects": ["events.>"]}],
    )
    view = build_nats_view(model, slug="order_events")
    streams = {s.name: (s.subjects, s.storage) for s in view.streams}
    assert streams == {
        "ORDER_EVENTS": (("events.>",), "file"),
        "ORDER_EVENTS_2": (("audit",), "memory"),
    }


def test_a_nats_package_renders_its_transport_dependency_and_streams() -> None:
    files = render({**FLAT, "streams": [{"name": "ORDERS", "subjects": ["orders.*"]}]})
    adapter = files["order_events_adapter.py"]
    assert "class NatsTransport" in adapter and "RabbitMQTransport" not in adapter
    assert "from urllib.parse import urlsplit, urlunsplit" in adapter
    assert "'ORDERS': StreamSettings(" in adapter or '"ORDERS": StreamSettings(' in adapter
    assert '"nats-py>=2.6"' in files["pyproject.toml"] and "pika" not in files["pyproject.toml"]
    assert "test_the_poison_message_is_kept_on_the_dead_letter_subject" in (
        files["test_order_events_adapter.py"]
    )
    assert "exchange" not in files["config.yaml"] and "orders.*" in files["config.yaml"]
    assert MessageQueuePattern().validate(files) == []
    assert render(FLAT) == render(FLAT)


def test_the_rules_catch_a_nats_adapter_that_does_not_confirm_acks() -> None:
    files = render(FLAT)
    weakened = files["order_events_adapter.py"].replace(".ack_sync(", ".ack(")
    problems = MessageQueuePattern().validate({"order_events_adapter.py": weakened})
    assert problems == ["order_events_adapter.py: acknowledgements are not confirmed by the server"]


def test_the_catalog_entry_renders_a_nats_package() -> None:
    entry = ROOT / "agentflow" / "catalog" / "entries" / "nats.yaml"
    requirements = yaml.safe_load(entry.read_text())["requirements"]
    files = render(requirements)
    assert "'EVENTS': StreamSettings(" in files["order_events_adapter.py"] or (
        '"EVENTS": StreamSettings(' in files["order_events_adapter.py"]
    )

"""NATS JetStream in the message_queue pattern: subjects and streams as queues, the streams a
package declares, its rendering, and a generated package whose tests run against the real
NATS server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from services import NATS, require

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


def test_subjects_and_queues_both_become_queues() -> None:
    model = validate(queues=[{"name": "audit", "max_attempts": 2}], ack_wait=5)
    assert [(q.name, q.max_attempts) for q in model.all_queues] == [
        ("audit", 2),
        ("orders.created", None),
    ]
    assert (model.broker, model.ack_wait) == ("nats", 5)


def test_the_broker_alone_gets_the_nats_default_url() -> None:
    model = MessageQueueRequirements.model_validate({"broker": "nats", "subjects": ["a"]})
    assert model.url == "nats://localhost:4222"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subjects": ["events.>"]}, "wildcards .* belong in a stream"),
        ({"subjects": ["a..b"]}, "not a subject a queue can publish to"),
        ({"subjects": ["a.b", "a_b"]}, "share a consumer name: a_b"),
        ({"subjects": ["a", "a.dlq"]}, "clash with a dead-letter"),
        ({"subjects": ["a", "a"]}, "declared twice"),
        ({"subjects": []}, "declare at least one queue"),
        ({"exchange": "shop"}, "`exchange` applies to RabbitMQ"),
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


def test_ack_wait_is_refused_for_rabbitmq() -> None:
    with pytest.raises(ValidationError, match="`ack_wait` applies to NATS"):
        MessageQueueRequirements.model_validate(
            {"url": "amqp://h/", "queues": ["a"], "ack_wait": 3}
        )


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
        subjects=["events.created"],
        streams=[{"name": "ORDER_EVENTS", "subjects": ["events.>"]}],
        queues=[{"name": "audit", "dead_letter": False, "durable": False}],
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


@pytest.mark.slow
def test_the_generated_package_passes_its_tests_against_nats(tmp_path: Path) -> None:
    service = require(NATS)
    spec = ROOT / "examples" / "nats-events.yaml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "agentflow",
            "integrate",
            "create",
            str(spec),
            "--output-dir",
            "out",
        ],
        cwd=tmp_path,
        check=True,
    )
    env = {**os.environ, "ORDER_EVENTS_URL": service.url}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"],
        cwd=tmp_path / "out" / "order_events",
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "skipped" not in run.stdout

"""The message_queue pattern: requirements (flat and explicit, hostile input refused),
deterministic rendering with no inline password anywhere, and a generated RabbitMQ package
whose own tests run against the real broker."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from services import RABBITMQ, require

from agentflow.errors import PatternUnavailableError
from agentflow.generation.generate import render_package
from agentflow.patterns.message_queue import MessageQueuePattern
from agentflow.patterns.message_queue.requirements import MessageQueueRequirements
from agentflow.spec.models import IntegrationSpec

PATTERN = MessageQueuePattern()
FLAT = {"broker": "rabbitmq", "url": "amqp://localhost:5672/", "queues": ["orders"]}


def validate(**changes: Any) -> MessageQueueRequirements:
    return MessageQueueRequirements.model_validate({**FLAT, **changes})


def render(requirements: dict[str, Any]) -> dict[str, str]:
    spec = IntegrationSpec(service="Order Queue", type="message_queue", requirements=requirements)
    model = MessageQueueRequirements.model_validate(requirements)
    return dict(render_package(spec, PATTERN, model))


def test_the_flat_form_and_aliases_validate() -> None:
    model = MessageQueueRequirements.model_validate(
        {"broker_url": "amqp://h:5672/", "queue": "orders", "prefetch_count": 3}
    )
    assert (model.broker, model.prefetch, model.queues[0].name) == ("rabbitmq", 3, "orders")
    assert model.queues[0].dead_letter and model.queues[0].durable


def test_the_explicit_queue_form_validates() -> None:
    model = validate(
        queues=[{"name": "orders", "durable": False, "dead_letter": False, "max_attempts": 2}],
        exchange="shop",
        password_env="SHOP_AMQP_PASSWORD",
    )
    assert model.queues[0].max_attempts == 2 and model.exchange == "shop"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"queues": ["bad name"]}, "string_pattern_mismatch"),
        ({"queues": ["amq.internal"]}, "broker's own"),
        ({"queues": ["a", "a"]}, "declared twice"),
        ({"queues": ["a", "a.dlq"]}, "clash"),
        ({"queues": []}, "declare at least one queue"),
        ({"subjects": ["events.>"]}, "`subjects` applies to NATS"),
        ({"surprise": 1}, "Extra inputs"),
        ({"prefetch": 0}, "greater than or equal"),
        ({"password_env": "lower-case"}, "string_pattern_mismatch"),
        ({"url": "ftp://h/"}, "names no known broker"),
        ({"url": "amqp://h/\nx"}, "whitespace"),
        ({"broker": "nats", "url": "amqp://h/"}, "does not match"),
        ({"queues": [{"name": "a", "durable": "yes"}]}, "bool"),
    ],
)
def test_hostile_input_is_refused_clearly(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate(**changes)


@pytest.mark.parametrize(
    ("requirements", "name"),
    [
        ({"url": "redis://h:6379", "queues": ["a"]}, "Redis Streams"),
        ({"url": "mqtt://h:1883", "queues": ["a"]}, "MQTT"),
        ({"broker": "kafka", "queues": ["a"]}, "Kafka"),
    ],
)
def test_other_brokers_are_refused_by_name(requirements: dict[str, Any], name: str) -> None:
    validated = MessageQueueRequirements.model_validate(requirements)
    with pytest.raises(PatternUnavailableError, match=f"yet for the {name} broker"):
        MessageQueuePattern().ensure_available(validated)


def test_an_inline_password_is_dropped_and_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    requirements = {**FLAT, "url": "amqp://guest:hunter2-secret@localhost:5672/"}
    with caplog.at_level(logging.WARNING, logger="agentflow"):
        files = render(requirements)
    assert not [path for path, text in files.items() if "hunter2-secret" in text]
    assert "amqp://guest@localhost:5672/" in files["order_queue_adapter.py"]
    assert "ORDER_QUEUE_PASSWORD" in caplog.text and "hunter2-secret" not in caplog.text


def test_rendering_is_deterministic() -> None:
    assert render(FLAT) == render(FLAT)


def test_user_names_are_escaped_into_the_generated_code() -> None:
    files = render({**FLAT, "queues": ["orders", "audit.log-v2"], "exchange": "shop.events"})
    adapter = files["order_queue_adapter.py"]
    assert "'audit.log-v2'" in adapter or '"audit.log-v2"' in adapter
    compile(adapter, "order_queue_adapter.py", "exec")


@pytest.mark.slow
def test_the_generated_package_passes_its_tests_against_rabbitmq(tmp_path: Path) -> None:
    service = require(RABBITMQ)
    spec = Path(__file__).resolve().parents[2] / "examples" / "rabbitmq-orders.yaml"
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
    env = {**os.environ, "ORDER_QUEUE_URL": service.url}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"],
        cwd=tmp_path / "out" / "order_queue",
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "skipped" not in run.stdout


def test_metadata_keeps_no_inline_password(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "service: Order Queue\ntype: message_queue\nrequirements:\n"
        "  url: amqp://guest:hunter2-secret@localhost:5672/\n  queues: [orders]\n"
    )
    subprocess.run(
        [sys.executable, "-m", "agentflow", "integrate", "create", str(spec), "--no-validate"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    package = tmp_path / "integrations" / "order_queue"
    leaked = [p for p in package.rglob("*") if p.is_file() and b"hunter2-secret" in p.read_bytes()]
    assert leaked == []

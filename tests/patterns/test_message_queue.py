"""The message_queue pattern: requirements (flat and explicit, hostile input refused),
deterministic rendering with no inline password anywhere, Kafka refused saying why, and
generated RabbitMQ, Redis Streams, MQTT and NATS JetStream packages whose own tests run
against the real brokers. NATS JetStream's own cases are in test_message_queue_nats.py."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from live_packages import run, run_live
from pydantic import ValidationError
from services import MQTT, NATS, RABBITMQ, REDIS, Service, require

from agentflow.errors import PatternUnavailableError
from agentflow.generation.generate import render_package
from agentflow.patterns.message_queue import MessageQueuePattern
from agentflow.patterns.message_queue.brokers import BROKERS
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
        ({"subjects": ["events.>"]}, "`subjects` applies to NATS JetStream, not RabbitMQ"),
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


def test_kafka_is_refused_by_name_saying_why() -> None:
    validated = MessageQueueRequirements.model_validate({"broker": "kafka", "topics": ["a"]})
    with pytest.raises(PatternUnavailableError) as refused:
        MessageQueuePattern().ensure_available(validated)
    assert "recognises Kafka but generates no client" in str(refused.value)
    assert "none could be installed to test a Kafka one" in str(refused.value)
    assert "MQTT, NATS JetStream, RabbitMQ, Redis Streams" in str(refused.value)


@pytest.mark.parametrize(
    ("requirements", "queues", "url"),
    [
        (
            {"broker": "redis", "streams": ["orders", "shop:payments"]},
            ("orders", "shop:payments"),
            "redis://localhost:6379/0",
        ),
        (
            {"url": "rediss://cache:6380/2", "queues": "orders"},
            ("orders",),
            "rediss://cache:6380/2",
        ),
        (
            {"broker": "mqtt", "topics": ["plant/line-1/temp"]},
            ("plant/line-1/temp",),
            "mqtt://localhost:1883",
        ),
        ({"url": "mqtts://h:8883", "topic": "alerts"}, ("alerts",), "mqtts://h:8883"),
        (
            {"broker": "nats", "subjects": ["orders.created"]},
            ("orders.created",),
            "nats://localhost:4222",
        ),
    ],
)
def test_each_broker_names_its_queues_its_own_way(
    requirements: dict[str, Any], queues: tuple[str, ...], url: str
) -> None:
    model = MessageQueueRequirements.model_validate(requirements)
    assert (tuple(q.name for q in model.queues), model.url) == (queues, url)
    MessageQueuePattern().ensure_available(model)  # generated, so not refused


@pytest.mark.parametrize(
    ("requirements", "message"),
    [
        ({"broker": "redis", "streams": ["a"], "queues": ["b"]}, "not both"),
        ({"broker": "redis", "streams": ["a b"]}, "string_pattern_mismatch"),
        ({"broker": "redis", "streams": ["a/b"]}, "Redis Streams queue names use"),
        ({"broker": "redis", "streams": ["a"], "exchange": "x"}, "`exchange` applies to RabbitMQ"),
        ({"broker": "mqtt", "topics": ["a"], "max_length": 5}, "`max_length` applies to Redis"),
        ({"broker": "rabbitmq", "queues": ["a"], "claim_idle": 5}, "`claim_idle` applies"),
        ({"broker": "mqtt", "topics": ["a//b"]}, "levels separated by single"),
        ({"broker": "mqtt", "topics": ["a/"]}, "levels separated by single"),
        ({"broker": "mqtt", "topics": ["a", "a/dlq"]}, "clash with a dead-letter"),
        ({"broker": "mqtt", "topics": []}, "`topics: \\[orders\\]`"),
        ({"broker": "redis", "url": "redis:///0", "streams": ["a"]}, "redis://host"),
        ({"broker": "mqtt", "url": "redis://h", "topics": ["a"]}, "does not match"),
        ({"broker": "redis", "topics": ["a"]}, "`topics` applies to MQTT and Kafka, not Redis"),
        ({"broker": "mqtt", "streams": ["a"]}, "`streams` applies to Redis Streams and NATS"),
        ({"broker": "mqtt", "topics": ["a/#"]}, "MQTT queue names use"),
        ({"broker": "rabbitmq", "queues": ["a"], "ack_wait": 3}, "`ack_wait` applies to NATS"),
    ],
)
def test_broker_specific_mistakes_are_refused_clearly(
    requirements: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        MessageQueueRequirements.model_validate(requirements)


def test_each_broker_renders_its_own_transport_and_dependency() -> None:
    redis = render({"broker": "redis", "streams": ["orders"], "max_length": 1000})
    mqtt = render({"broker": "mqtt", "topics": ["plant/temp"]})
    assert "class RedisStreamsTransport" in redis["order_queue_adapter.py"]
    assert "MAX_LENGTH: int | None = 1000" in redis["order_queue_adapter.py"]
    assert '"redis>=5"' in redis["pyproject.toml"] and "pika" not in redis["pyproject.toml"]
    assert "class MqttTransport" in mqtt["order_queue_adapter.py"]
    assert 'DEAD_LETTER_SUFFIX = "/dlq"' in mqtt["order_queue_adapter.py"]
    assert "`plant/temp/dlq`" in mqtt["ORDER_QUEUE_INTEGRATION.md"]
    assert PATTERN.validate(redis) == [] and PATTERN.validate(mqtt) == []


@pytest.mark.parametrize("broker", [name for name, b in BROKERS.items() if b.generated])
def test_every_generated_broker_has_each_of_its_own_templates(broker: str) -> None:
    templates = Path(__file__).resolve().parents[2] / "templates" / "message_queue"
    own = ("transports/{}.py", "guides/{}.md", "config/{}.yaml", "tests/{}.py")
    missing = [
        p.format(broker) for p in own if not (templates / f"{p.format(broker)}.jinja").is_file()
    ]
    assert missing == []


def test_the_rules_catch_a_transport_without_acknowledgements() -> None:
    files = render({"broker": "redis", "streams": ["orders"]})
    files["order_queue_adapter.py"] = files["order_queue_adapter.py"].replace(".xack(", ".x(")
    assert PATTERN.validate(files) == ["order_queue_adapter.py: entries are never acknowledged"]


def test_an_inline_password_is_dropped_and_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    requirements = {**FLAT, "url": "amqp://guest:hunter2-secret@localhost:5672/"}
    with caplog.at_level(logging.WARNING, logger="agentflow"):
        files = render(requirements)
    assert not [path for path, text in files.items() if "hunter2-secret" in text]
    assert "amqp://guest@localhost:5672/" in files["order_queue_adapter.py"]
    assert "ORDER_QUEUE_PASSWORD" in caplog.text and "hunter2-secret" not in caplog.text


@pytest.mark.parametrize(
    "requirements",
    [FLAT, {"broker": "redis", "streams": ["orders"]}, {"broker": "mqtt", "topics": ["a/b"]}],
)
def test_rendering_is_deterministic(requirements: dict[str, Any]) -> None:
    assert render(requirements) == render(requirements)


def test_user_names_are_escaped_into_the_generated_code() -> None:
    files = render({**FLAT, "queues": ["orders", "audit.log-v2"], "exchange": "shop.events"})
    adapter = files["order_queue_adapter.py"]
    assert "'audit.log-v2'" in adapter or '"audit.log-v2"' in adapter
    compile(adapter, "order_queue_adapter.py", "exec")


LIVE_EXAMPLES = [
    pytest.param("rabbitmq-orders.yaml", "ORDER_QUEUE", RABBITMQ, id="rabbitmq"),
    pytest.param("redis-events.yaml", "SHOP_EVENTS", REDIS, id="redis_streams"),
    pytest.param("mqtt-telemetry.yaml", "PLANT_TELEMETRY", MQTT, id="mqtt"),
    pytest.param("nats-events.yaml", "ORDER_EVENTS", NATS, id="nats"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("example", "prefix", "service"), LIVE_EXAMPLES)
def test_the_generated_package_passes_its_tests_against_the_broker(
    tmp_path: Path, example: str, prefix: str, service: Service
) -> None:
    """`create` (validated) on the example, then its tests once against the real broker."""
    live = require(service)
    spec = Path(__file__).resolve().parents[2] / "examples" / example
    run(
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
        tmp_path,
    )
    run_live(tmp_path / "out" / prefix.lower(), prefix, live)


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

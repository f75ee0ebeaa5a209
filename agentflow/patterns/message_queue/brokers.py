"""The one table of what differs between the brokers the message_queue pattern knows.

Requirements validation (URL, queue names, the broker's own keys), the template context
(label, driver, dependency, imports, dead-letter naming, per-broker templates) and the
pattern's rules on a generated adapter all read `BROKERS`; nothing else names a broker.
A broker that is recognised but not generated carries the reason `create` gives users.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BROKERS", "BROKER_SCHEMES", "Broker", "dead_letter_name", "generated_labels"]

# AMQP names: letters, digits and `_ . -`; never the broker's reserved `amq.` prefix.
AMQP_NAME = r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$"


@dataclass(frozen=True)
class Broker:
    """One broker: how requirements name it and its queues, and what a package holds.

    `queue_keys` are the broker's own words for queues in a requirements file (mapped onto
    `queues`), `only_keys` the settings no other broker accepts. `refusal` is set for a
    broker that is recognised but not generated: why, in the user's terms. The rest is what
    the templates print: driver and dependency, the names the transport imports beyond the
    shared client's, and the transport class with the strings its adapter must contain.
    """

    label: str
    schemes: tuple[str, ...]
    default_url: str
    url_form: str
    name_pattern: str = AMQP_NAME
    name_rule: str = "letters, digits and `_ . -`"
    queue_keys: tuple[str, ...] = ()
    only_keys: tuple[str, ...] = ()
    dead_letter_suffix: str = ".dlq"
    refusal: str = ""
    dependency: str = ""
    driver: str = ""
    driver_url: str = ""
    abc_names: tuple[str, ...] = ()
    parse_names: tuple[str, ...] = ()
    transport_class: str = ""
    rules: tuple[tuple[str, str], ...] = ()

    @property
    def generated(self) -> bool:
        """Whether `create` generates a package for this broker."""
        return not self.refusal


BROKERS = {
    "rabbitmq": Broker(
        "RabbitMQ",
        ("amqp", "amqps"),
        "amqp://localhost:5672/",
        "amqp://host[:port]/[vhost]",
        only_keys=("exchange",),
        dependency="pika>=1.3",
        driver="pika",
        driver_url="https://pika.readthedocs.io/",
        abc_names=("Iterator",),
        parse_names=("quote",),
        transport_class="RabbitMQTransport",
        rules=(
            ("confirm_delivery()", "publisher confirms are not enabled"),
            ("basic_ack(", "messages are never acknowledged"),
            ("x-dead-letter-routing-key", "queues have no dead-letter queue"),
        ),
    ),
    "redis": Broker(
        "Redis Streams",
        ("redis", "rediss"),
        "redis://localhost:6379/0",
        "redis://host[:port]/[db] (rediss:// for TLS)",
        r"^[A-Za-z][A-Za-z0-9_.:-]{0,199}$",
        "letters, digits and `_ . : -`",
        queue_keys=("streams", "stream"),
        only_keys=("consumer_group", "max_length", "claim_idle"),
        dependency="redis>=5",
        driver="redis-py",
        driver_url="https://redis.readthedocs.io/",
        transport_class="RedisStreamsTransport",
        rules=(
            ("mkstream=True", "streams and their consumer group are not created"),
            (".xack(", "entries are never acknowledged"),
            (".xautoclaim(", "entries a crashed consumer left pending are never claimed"),
            ("DEAD_LETTER_SUFFIX", "failed entries have no dead-letter stream"),
        ),
    ),
    "mqtt": Broker(
        "MQTT",
        ("mqtt", "mqtts"),
        "mqtt://localhost:1883",
        "mqtt://host[:port] (mqtts:// for TLS)",
        r"^[A-Za-z][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*$",
        "letters, digits and `_ . -` in levels separated by single `/` (no `+` or `#`: "
        "each topic is published to, so name it)",
        queue_keys=("topics", "topic"),
        dead_letter_suffix="/dlq",
        dependency="paho-mqtt>=2.1",
        driver="paho-mqtt",
        driver_url="https://eclipse.dev/paho/files/paho.mqtt.python/html/",
        parse_names=("parse_qs",),
        transport_class="MqttTransport",
        rules=(
            (".is_published()", "QoS 1 publishes do not wait for PUBACK"),
            ("manual_ack=True", "messages are acknowledged before they are handled"),
            ("clean_start=False", "sessions are not persistent, so unacked messages are lost"),
            ("DEAD_LETTER_SUFFIX", "failed messages have no dead-letter topic"),
        ),
    ),
    "nats": Broker(
        "NATS JetStream",
        ("nats", "tls"),
        "nats://localhost:4222",
        "nats://host[:port] (tls:// for TLS)",
        r"^(?=.{1,100}$)[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$",
        "dot-separated tokens of letters, digits, `_` and `-`, starting with a letter: a "
        "subject a queue can publish to (wildcards `*` and `>` belong in a stream's "
        "`subjects:`)",
        queue_keys=("subjects", "subject"),
        only_keys=("streams", "ack_wait"),
        dependency="nats-py>=2.6",
        driver="nats-py",
        driver_url="https://nats-io.github.io/nats.py/",
        transport_class="NatsTransport",
        rules=(
            ("self._js.publish(", "publishes do not wait for the JetStream PubAck"),
            ("AckPolicy.EXPLICIT", "consumers do not require explicit acknowledgements"),
            (".ack_sync(", "acknowledgements are not confirmed by the server"),
            ("DEAD_LETTER_SUFFIX", "failed messages have no dead-letter subject"),
        ),
    ),
    "kafka": Broker(
        "Kafka",
        ("kafka",),
        "kafka://localhost:9092",
        "kafka://host[:port]",
        queue_keys=("topics", "topic"),
        refusal=(
            "every generated client is proven against a real broker, and none could be "
            "installed to test a Kafka one"
        ),
    ),
}
BROKER_SCHEMES = {scheme: name for name, broker in BROKERS.items() for scheme in broker.schemes}


def dead_letter_name(broker: str, queue: str) -> str:
    """Where `queue`'s failed messages go: `<topic>/dlq` on MQTT, `<queue>.dlq` elsewhere."""
    return queue + BROKERS[broker].dead_letter_suffix


def generated_labels() -> str:
    """The generated brokers, for messages: `MQTT, NATS JetStream, ...`."""
    return ", ".join(sorted(broker.label for broker in BROKERS.values() if broker.generated))

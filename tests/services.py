"""The real services tests run against, on loopback: reachable, or why the test skips.

On a developer's machine a missing service skips its tests with the reason; with `CI=true`
a missing service fails them instead, so CI never passes by skipping what it must prove.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import pytest

__all__ = ["POSTGRESQL", "MARIADB", "REDIS", "RABBITMQ", "MQTT", "NATS", "Service", "require"]


@dataclass(frozen=True)
class Service:
    """A service on loopback and the URL its tests connect with."""

    name: str
    port: int
    url: str

    def reachable(self, timeout: float = 1.0) -> bool:
        """Whether something accepts TCP connections on the service's port."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=timeout):
                return True
        except OSError:
            return False


POSTGRESQL = Service("PostgreSQL", 5432, "postgresql://postgres@127.0.0.1:5432/test")
MARIADB = Service("MariaDB", 3306, "mysql://root@127.0.0.1:3306/test")
REDIS = Service("Redis", 6379, "redis://127.0.0.1:6379/0")
RABBITMQ = Service("RabbitMQ", 5672, "amqp://guest:guest@127.0.0.1:5672/")
MQTT = Service("Mosquitto MQTT", 1883, "mqtt://127.0.0.1:1883")
NATS = Service("NATS", 4222, "nats://127.0.0.1:4222")


def require(service: Service) -> Service:
    """`service` if it is reachable; else skip the calling test, or fail it under CI."""
    if service.reachable():
        return service
    reason = f"{service.name} is not running on 127.0.0.1:{service.port}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}, and CI must run every real-service test")
    pytest.skip(reason)

"""What every database package connects, times out, retries and breaks with, whatever the
engine: the part of the template context SQL and Redis packages share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentflow.patterns.database.requirements import (
    BreakerConfig,
    DatabaseRequirements,
    RetryConfig,
)

__all__ = ["ConnectionSettings", "connection_fields"]


@dataclass(frozen=True)
class ConnectionSettings:
    """The URL (never with a password), the variables the package reads, pool, timeouts,
    retries and circuit breaker."""

    default_url: str
    url_env: str
    password_env: str
    env_prefix: str
    pool_size: int
    timeout: float
    connect_timeout: float
    retry: RetryConfig
    circuit_breaker: BreakerConfig


def connection_fields(
    requirements: DatabaseRequirements, *, default_url: str, env_prefix: str, password_env: str
) -> dict[str, Any]:
    """`ConnectionSettings`' fields from validated requirements, for a context to extend."""
    return {
        "default_url": requirements.connection_string or default_url,
        "url_env": f"{env_prefix}_URL",
        "password_env": password_env,
        "env_prefix": env_prefix,
        "pool_size": requirements.pool_size,
        "timeout": requirements.timeout,
        "connect_timeout": requirements.connect_timeout,
        "retry": requirements.retry,
        "circuit_breaker": requirements.circuit_breaker,
    }

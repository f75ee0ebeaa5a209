"""Runtime helpers for generated integrations; stdlib only, each module copied in verbatim."""

from __future__ import annotations

from .circuit_breaker import CircuitBreaker
from .errors import (
    CircuitOpenError,
    ConfigurationError,
    IntegrationError,
    MissingSecretError,
    RetryExhaustedError,
)
from .metrics import MetricsCollector, OperationMetrics
from .rate_limiter import RateLimiter
from .retry import RetryPolicy, parse_retry_after
from .secrets import SecretManager

__all__ = [
    "CircuitBreaker",
    "CircuitOpenError",
    "ConfigurationError",
    "IntegrationError",
    "MetricsCollector",
    "MissingSecretError",
    "OperationMetrics",
    "RateLimiter",
    "RetryExhaustedError",
    "RetryPolicy",
    "SecretManager",
    "parse_retry_after",
]

"""Runtime helpers for generated integrations; stdlib only, each module copied in verbatim."""

from __future__ import annotations

from .cache import CacheManager
from .circuit_breaker import CircuitBreaker
from .error_handler import ErrorHandler
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
from .retry_decorator import retry_exponential
from .secrets import SecretManager

__all__ = [
    "CacheManager",
    "CircuitBreaker",
    "CircuitOpenError",
    "ConfigurationError",
    "ErrorHandler",
    "IntegrationError",
    "MetricsCollector",
    "MissingSecretError",
    "OperationMetrics",
    "RateLimiter",
    "RetryExhaustedError",
    "RetryPolicy",
    "SecretManager",
    "parse_retry_after",
    "retry_exponential",
]

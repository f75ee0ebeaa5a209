"""Runtime helpers for generated integrations; stdlib only, copied in verbatim."""

from __future__ import annotations

from .cache import CacheManager
from .circuit_breaker import CircuitBreaker
from .errors import (
    CircuitOpenError,
    ConfigurationError,
    ErrorHandler,
    IntegrationError,
    MissingSecretError,
    RetryExhaustedError,
)
from .metrics import MetricsCollector, OperationMetrics
from .rate_limiter import RateLimiter
from .retry import (
    RETRY_STATUSES,
    RetryPolicy,
    parse_retry_after,
    retry_after_from,
    retry_exponential,
    should_retry_header,
)
from .secrets import SecretManager

__all__ = [
    "RETRY_STATUSES",
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
    "retry_after_from",
    "retry_exponential",
    "should_retry_header",
]

"""Runtime helpers for generated integrations; stdlib only, each module copied in verbatim
into the packages whose adapter uses it.

The circuit breaker and the rate limiter log state changes and waits at INFO, on
their module's logger unless the caller passes its own. As a library they stay
silent until the application configures logging: the package logger gets only a
``NullHandler``.
"""

from __future__ import annotations

import logging

# CircuitBreaker, MetricsCollector and RateLimiter are the full forms application code
# uses (`call`, `track`, `with limiter:`...): subclasses, in modules no adapter imports, of
# the core classes adapters use. A package's helper copy exports the core classes instead.
from .cache import CacheManager
from .circuit_breaker_calls import CircuitBreaker
from .error_handler import ErrorHandler
from .errors import (
    CircuitOpenError,
    ConfigurationError,
    IntegrationError,
    MissingSecretError,
)
from .metrics import OperationMetrics
from .metrics_reports import MetricsCollector
from .rate_limiter_forms import RateLimiter
from .retry import (
    RETRY_STATUSES,
    RetryPolicy,
    parse_retry_after,
    retry_after_from,
    should_retry_header,
)
from .retry_decorator import RetryExhaustedError, retry_exponential
from .secrets import SecretManager

logging.getLogger(__name__).addHandler(logging.NullHandler())

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

"""Runtime helpers for generated integrations; stdlib only, each module copied in verbatim
into the packages whose adapter uses it.

The circuit breaker and the rate limiter log state changes and waits at INFO, on
their module's logger unless the caller passes its own. As a library they stay
silent until the application configures logging: the package logger gets only a
``NullHandler``."""

from __future__ import annotations

import logging

from .circuit_breaker import CircuitBreaker
from .errors import (
    CircuitOpenError,
    ConfigurationError,
    IntegrationError,
    MissingSecretError,
)
from .metrics import MetricsCollector, OperationMetrics

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "CircuitBreaker",
    "CircuitOpenError",
    "ConfigurationError",
    "IntegrationError",
    "MetricsCollector",
    "MissingSecretError",
    "OperationMetrics",
]

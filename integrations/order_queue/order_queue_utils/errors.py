"""The exception tree of an integration.

    IntegrationError            base of every error the integration raises on purpose
    ├── ConfigurationError      configuration is invalid or missing
    │   └── MissingSecretError  a required environment variable is unset or blank
    ├── CircuitOpenError        the circuit breaker refused the call
    └── RetryExhaustedError     every attempt failed; ``__cause__`` is the last error
                                (in ``retry_decorator``, the only one to raise it)

Callers catch ``IntegrationError`` and never need to know which client library
(httpx, a database driver...) sits underneath; ``error_handler.ErrorHandler`` translates
third-party errors into this tree.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CircuitOpenError",
    "ConfigurationError",
    "IntegrationError",
    "MissingSecretError",
]


def _restore(
    cls: type[IntegrationError], args: tuple[Any, ...], state: dict[str, Any]
) -> IntegrationError:
    """Rebuild a pickled error without re-running ``__init__``."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class IntegrationError(Exception):
    """Base of every error a generated integration raises."""

    def __init__(self, message: str, *, operation: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.context: dict[str, Any] = {}  # what ``ErrorHandler.handle`` was told

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, operation={self.operation!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take different constructor arguments; pickle the state instead
        # so errors survive multiprocessing and process pools intact.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class ConfigurationError(IntegrationError):
    """Configuration is invalid or missing."""


class MissingSecretError(ConfigurationError):
    """A required environment variable is unset or empty."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"environment variable {name} is not set; "
            "export it before creating the client"
        )
        self.name = name


class CircuitOpenError(IntegrationError):
    """The circuit breaker is open, so the call was refused without being made."""

    def __init__(self, retry_in: float, *, operation: str | None = None) -> None:
        target = f"{operation}: " if operation else ""
        super().__init__(
            f"{target}circuit open after repeated failures; retry in {retry_in:.2f}s",
            operation=operation,
        )
        self.retry_in = retry_in

"""``ErrorHandler``: translation of third-party errors into ``IntegrationError``.

Callers catch ``IntegrationError`` and never need to know which client library
(httpx, a database driver...) sits underneath: ``ErrorHandler`` translates those
errors at the boundary with ``raise ... from exc`` so the original stays inspectable,
and says which failures are worth another attempt (``should_retry``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

from .errors import CircuitOpenError, ConfigurationError, IntegrationError

__all__ = ["ErrorHandler"]


def _check_target(target: type[IntegrationError]) -> None:
    """Fail at construction, not mid-incident, when a target cannot be built."""
    if not (isinstance(target, type) and issubclass(target, IntegrationError)):
        raise TypeError(f"{target!r} is not an IntegrationError subclass")
    try:  # a trial build catches signature *and* type mismatches (a float retry_in)
        target("message", operation=None)
    except Exception as exc:
        raise TypeError(
            f"{target.__name__} cannot be built as {target.__name__}(message, "
            "operation=...); map to a class with that signature"
        ) from exc


class ErrorHandler:
    """Translates third-party exceptions into ``IntegrationError`` subclasses.

    The most specific mapped base class of an exception wins (its MRO is walked),
    so ``{httpx.HTTPError: A, httpx.TimeoutException: B}`` maps a read timeout
    to ``B`` and any other httpx error to ``A``. Unmapped exceptions (all of them
    without a ``mapping``) become a plain ``IntegrationError``. Target classes are
    called as ``target(message, operation=...)``. ``retryable`` lists the exception
    types ``should_retry`` takes for transient.
    """

    def __init__(
        self,
        mapping: Mapping[type[BaseException], type[IntegrationError]] | None = None,
        *,
        redact: Callable[[str], str] | None = None,
        retryable: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError),
    ) -> None:
        mapping = {} if mapping is None else mapping
        for target in mapping.values():
            _check_target(target)
        self._mapping = dict(mapping)
        self._redact = redact
        self._retryable = retryable

    def translate(self, exc: BaseException, *, operation: str | None = None) -> IntegrationError:
        """Return the integration error for ``exc``; integration errors pass as is."""
        if isinstance(exc, IntegrationError):
            return exc
        target = self._target_for(type(exc))
        return target(self._message(exc), operation=operation)

    @contextmanager
    def wrap(self, operation: str | None = None) -> Iterator[None]:
        """Re-raise any ``Exception`` from the block as its translation."""
        try:
            yield
        except IntegrationError:
            raise
        except Exception as exc:
            raise self.translate(exc, operation=operation) from exc

    def handle(self, exc: BaseException, *, context: Mapping[str, Any] | None = None) -> NoReturn:
        """Raise the translation of ``exc`` from it, for an ``except`` clause.

        ``context["operation"]`` names the operation; the whole ``context`` is kept
        as the error's ``context``, for logs. An ``IntegrationError`` is raised as is.
        """
        context = dict(context or {})
        operation = context.get("operation")
        error = self.translate(exc, operation=None if operation is None else str(operation))
        error.context = {**error.context, **context}
        if error is exc:
            raise error
        raise error from exc

    def should_retry(self, error: BaseException, attempt: int, max_attempts: int) -> bool:
        """Whether a call that failed with ``error`` on attempt ``attempt`` (from 1)
        deserves another of ``max_attempts``: some are left and the error is transient.

        Transient: an instance of ``retryable`` (timeouts and lost connections by
        default), an error whose ``retryable`` attribute is True or that carries a
        ``retry_after``, or one whose ``status_code`` (or its response's) is 408,
        425, 429 or 5xx. Configuration errors and an open circuit never are.
        """
        if attempt < 1 or max_attempts < 1:
            raise ValueError(f"attempts count from 1, got {attempt} of {max_attempts}")
        if attempt >= max_attempts or isinstance(error, ConfigurationError | CircuitOpenError):
            return False
        if isinstance(error, self._retryable) or getattr(error, "retryable", False) is True:
            return True
        return getattr(error, "retry_after", None) is not None or _transient_status(error)

    def _target_for(self, kind: type[BaseException]) -> type[IntegrationError]:
        for base in kind.__mro__:
            if base in self._mapping:
                return self._mapping[base]
        return IntegrationError

    def _message(self, exc: BaseException) -> str:
        detail = str(exc)
        text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        return self._redact(text) if self._redact is not None else text


def _transient_status(error: BaseException) -> bool:
    """Whether the HTTP status an error carries says "try again later"."""
    status = getattr(error, "status_code", None)
    if status is None:
        status = getattr(getattr(error, "response", None), "status_code", None)
    return isinstance(status, int) and (status in (408, 425, 429) or 500 <= status <= 599)

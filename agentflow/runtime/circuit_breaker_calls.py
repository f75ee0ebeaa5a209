"""``CircuitBreaker`` that runs calls itself: ``call`` and ``call_async``.

Application code hands the breaker a function and lets it record the outcome. A
generated adapter reports outcomes itself (it decides per HTTP status what a failure
is), so it imports the core breaker of ``circuit_breaker`` and this module does not ship
with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from .circuit_breaker import CircuitBreaker as _CoreBreaker

__all__ = ["CircuitBreaker"]

P = ParamSpec("P")
T = TypeVar("T")


class CircuitBreaker(_CoreBreaker):
    """The core breaker, plus ``call``/``call_async`` running a function under it.

    Only exceptions in ``failure_on`` count as failures in ``call``; others (a 404
    mapped to ``NotFoundError``, say) prove the service answered and count as
    success. A cancellation or interrupt gives no verdict and frees the trial slot.
    """

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        failure_on: tuple[type[BaseException], ...] = (Exception,),
        logger: logging.Logger | None = None,
    ) -> None:
        super().__init__(failure_threshold, reset_timeout, clock=clock, logger=logger)
        self.failure_on = failure_on

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` under the breaker, recording its outcome."""
        self.before_call(_name_of(fn))
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            self._record_error(exc)
            raise
        self.record_success()
        return result

    async def call_async(
        self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Await ``fn`` under the breaker, recording its outcome."""
        self.before_call(_name_of(fn))
        try:
            result = await fn(*args, **kwargs)
        except BaseException as exc:
            self._record_error(exc)
            raise
        self.record_success()
        return result

    def _record_error(self, exc: BaseException) -> None:
        if isinstance(exc, self.failure_on):
            self.record_failure()
        elif isinstance(exc, Exception):
            self.record_success()
        else:  # cancelled or interrupted: no verdict
            self.release_trial()


def _name_of(fn: Callable[..., object]) -> str | None:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    return str(name) if name else None

"""``retry_exponential``: a decorator retrying sync and async functions with backoff.

It waits as ``RetryPolicy`` says (full jitter, a capped ``Retry-After``) and raises
``RetryExhaustedError`` from the last error, so callers see one integration error
whatever failed underneath. Only the decorator raises that error, so it is defined here
and ships only where the decorator does.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, cast

from .errors import IntegrationError
from .retry import RetryPolicy

__all__ = ["RetryExhaustedError", "retry_exponential"]

P = ParamSpec("P")
T = TypeVar("T")


class RetryExhaustedError(IntegrationError):
    """Every attempt failed; ``__cause__`` holds the last error."""

    def __init__(self, message: str, *, attempts: int, operation: str | None = None) -> None:
        super().__init__(message, operation=operation)
        self.attempts = attempts


def _retry_after_of(exc: BaseException) -> float | None:
    """A ``retry_after`` in seconds carried by the error itself, if any."""
    value = getattr(exc, "retry_after", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


@dataclass(frozen=True)
class _Schedule:
    """Decides, after each failure, whether to give up or how long to wait."""

    policy: RetryPolicy
    operation: str
    rng: random.Random | None
    on_retry: Callable[[int, BaseException, float], None] | None

    def after_failure(self, attempt: int, exc: BaseException) -> float:
        """Delay before the next attempt; raises ``RetryExhaustedError`` at the end."""
        if attempt >= self.policy.max_attempts:
            raise RetryExhaustedError(
                f"{self.operation} failed after {attempt} attempt(s); "
                f"last error: {type(exc).__name__}",
                attempts=attempt,
                operation=self.operation,
            ) from exc
        wait = self.policy.delay(attempt, retry_after=_retry_after_of(exc), rng=self.rng)
        if self.on_retry is not None:
            self.on_retry(attempt, exc, wait)
        return wait


def retry_exponential(
    max_attempts: int = 3,
    backoff_base: float | None = None,
    backoff_max: float = 30.0,
    *,
    base_delay: float | None = None,
    retry_on: tuple[type[BaseException], ...] = (Exception,),
    jitter: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
    retry_after_max: float = 60.0,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Retry a sync or async function on ``retry_on`` errors with backoff.

    The ceiling of the n-th wait is ``backoff_base * 2 ** (n - 1)`` seconds (0.5 by default),
    at most ``backoff_max``; ``base_delay`` is another name for ``backoff_base``, give one.
    An error with a numeric ``retry_after`` attribute (seconds) sets the next
    delay, capped at ``retry_after_max``. ``on_retry(attempt, error, delay)`` is
    called before each wait, e.g. to log or count retries. Errors outside
    ``retry_on`` propagate at once; when attempts run out,
    ``RetryExhaustedError`` is raised from the last error.
    """
    if backoff_base is not None and base_delay is not None:
        raise TypeError("give backoff_base or base_delay (the same setting), not both")
    policy = RetryPolicy(
        max_attempts=max_attempts,
        backoff_base=_first_given(backoff_base, base_delay, RetryPolicy.backoff_base),
        backoff_max=backoff_max,
        retry_after_max=retry_after_max,
        jitter=jitter,
    )

    def decorator(fn: Callable[P, T]) -> Callable[P, T]:
        schedule = _Schedule(policy, _name_of(fn), rng, on_retry)
        if inspect.iscoroutinefunction(fn):
            wrapped = _async_wrapper(fn, schedule, retry_on, async_sleep)
            return cast(Callable[P, T], wrapped)
        return _sync_wrapper(fn, schedule, retry_on, sleep)

    return decorator


def _first_given(*values: float | None) -> float:
    return next(value for value in values if value is not None)


def _name_of(fn: Callable[..., Any]) -> str:
    return str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn)))


def _sync_wrapper(
    fn: Callable[P, T],
    schedule: _Schedule,
    retry_on: tuple[type[BaseException], ...],
    sleep: Callable[[float], None],
) -> Callable[P, T]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn(*args, **kwargs)
            except retry_on as exc:
                sleep(schedule.after_failure(attempt, exc))

    return wrapper


def _async_wrapper(
    fn: Callable[P, Awaitable[T]],
    schedule: _Schedule,
    retry_on: tuple[type[BaseException], ...],
    async_sleep: Callable[[float], Awaitable[None]],
) -> Callable[P, Awaitable[T]]:
    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await fn(*args, **kwargs)
            except retry_on as exc:
                await async_sleep(schedule.after_failure(attempt, exc))

    return wrapper

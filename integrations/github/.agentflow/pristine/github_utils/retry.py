"""Retries with exponential backoff, full jitter and the server's wait hints.

Full jitter (a uniform delay between 0 and the exponential ceiling) spreads the
retries of many clients apart, so a recovering service is not hit in lockstep.
A server's ``Retry-After`` wins over the computed backoff because the server
knows best. A hint longer than the caller will wait must not stall it: ``wait_for``
then says "do not retry" (an early retry would only be refused again), while
``delay`` shortens it to the cap.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, ParamSpec, TypeVar, cast

from .errors import RetryExhaustedError

__all__ = [
    "RETRY_STATUSES",
    "RetryPolicy",
    "parse_retry_after",
    "retry_after_from",
    "retry_exponential",
    "should_retry_header",
]

P = ParamSpec("P")
T = TypeVar("T")

# 2 ** 64 times any sane base already exceeds any sane cap; bounding the exponent
# keeps float conversion from overflowing on absurd attempt numbers.
_MAX_EXPONENT = 64

RETRY_STATUSES: frozenset[int] = frozenset({408, 409, 429, 500, 502, 503, 504})
"""HTTP statuses worth another attempt, as openai-python and anthropic-sdk-python retry.

408: the server timed out waiting for the request; 409: a lock or concurrent-update
conflict that clears on its own; 429: rate limited; 500, 502, 503, 504: a transient
server or gateway failure. Other 4xx are the request's fault and fail the same again.
"""


def _non_negative(value: float) -> bool:
    """True for numbers >= 0; False for negatives and NaN."""
    return value >= 0


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts to make and how long to wait between them."""

    max_attempts: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 60.0
    jitter: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        for name in ("backoff_base", "backoff_max", "retry_after_max"):
            if not _non_negative(getattr(self, name)):
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")

    def delay(
        self,
        attempt: int,
        *,
        retry_after: float | None = None,
        rng: random.Random | None = None,
    ) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        The server's hint ``retry_after`` wins over the backoff, capped at
        ``retry_after_max``; ``wait_for`` gives up instead of shortening it.
        """
        if attempt < 1:
            raise ValueError(f"attempt is 1-based, got {attempt}")
        if retry_after is not None:
            return min(retry_after, self.retry_after_max) if retry_after > 0 else 0.0
        exponent = min(attempt - 1, _MAX_EXPONENT)
        ceiling = min(self.backoff_max, math.ldexp(self.backoff_base, exponent))
        if not self.jitter:
            return ceiling
        if rng is None:
            return random.uniform(0.0, ceiling)
        return rng.uniform(0.0, ceiling)

    def wait_for(
        self,
        attempt: int,
        retry_after: float | None = None,
        *,
        rng: random.Random | None = None,
    ) -> float | None:
        """Like ``delay``, but None (do not retry) when ``retry_after`` exceeds the cap.

        A retry sooner than the server asked would only be refused again; the caller
        should surface the error, which carries the hint, and let its caller decide.
        """
        if retry_after is not None and not retry_after <= self.retry_after_max:
            return None
        return self.delay(attempt, retry_after=retry_after, rng=rng)


def parse_retry_after(
    value: str | None, *, now: datetime | None = None
) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait; None when absent or invalid.

    Accepts delta-seconds (``"120"``, leniently ``"1.5"``) and HTTP-dates
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``). Dates in the past give 0.0; negative or
    infinite seconds are invalid.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    seconds = _number(text)
    return _seconds_until(text, now) if seconds is None else seconds


def _seconds_until(http_date: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    current = now or datetime.now(timezone.utc)
    return max(0.0, (_aware(when) - _aware(current)).total_seconds())


def _aware(moment: datetime) -> datetime:
    """Treat naive datetimes as UTC, as HTTP-dates are always GMT."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def retry_after_from(
    headers: Mapping[str, str], *, now: datetime | None = None
) -> float | None:
    """The server's wait hint in seconds, from response headers; None when there is none.

    ``retry-after-ms`` (milliseconds, as OpenAI sends) is the more precise and wins;
    else ``Retry-After`` (see ``parse_retry_after``). Names match in any case. A
    value that is unparsable, negative or not finite counts as absent.
    """
    millis = _number(_header(headers, "retry-after-ms"))
    if millis is not None:
        return millis / 1000
    return parse_retry_after(_header(headers, "retry-after"), now=now)


def should_retry_header(headers: Mapping[str, str]) -> bool | None:
    """The server's explicit verdict ``x-should-retry: true|false``; None when absent or other.

    The server knows whether repeating the request can help, so its verdict overrides
    the status-based guess either way.
    """
    value = (_header(headers, "x-should-retry") or "").strip().lower()
    return {"true": True, "false": False}.get(value)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` (lower case), whatever case ``headers`` uses."""
    return next((value for key, value in headers.items() if key.lower() == name), None)


def _number(text: str | None) -> float | None:
    """``text`` as a finite number >= 0; None when absent, no number, negative or infinite."""
    try:
        value = float(text or "nan")
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


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
        wait = self.policy.delay(
            attempt, retry_after=_retry_after_of(exc), rng=self.rng
        )
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

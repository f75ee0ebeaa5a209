"""A thread-safe token bucket that keeps a client under a service's rate limit.

Waiting callers reserve their tokens up front (the balance may go negative) and
then sleep for exactly the time the bucket needs to refill. Reservation makes
the limiter first-come first-served, needs one sleep per call instead of a
polling loop, and works the same with injected clocks and sleeps in tests.
Every wait is logged at INFO, so a slow client can be traced to its own limit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

__all__ = ["RateLimiter"]

# Absorbs float rounding in refill arithmetic (10 * 0.1 != 1.0).
_EPSILON = 1e-9

_LOG = logging.getLogger(__name__)


class RateLimiter:
    """Token bucket: ``rate`` tokens per second, bursts of up to ``capacity``.

    ``calls_per_minute`` gives the rate per minute instead (give one of the two). As a
    context manager (``with limiter:`` or ``async with limiter:``) it takes one token
    before the block runs, waiting if needed. Waits are logged at INFO on ``logger``
    (this module's by default).
    """

    def __init__(
        self,
        rate: float | None = None,
        *,
        calls_per_minute: float | None = None,
        capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        logger: logging.Logger | None = None,
    ) -> None:
        rate = _per_second(rate, calls_per_minute)
        size = max(1.0, rate) if capacity is None else capacity
        if not (size > 0 and math.isfinite(size)):
            raise ValueError(f"capacity must be a positive number, got {capacity}")
        self.rate = float(rate)
        self.capacity = float(size)
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._log = _LOG if logger is None else logger
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._updated = clock()

    @classmethod
    def for_quota(
        cls,
        requests: float,
        period_seconds: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        logger: logging.Logger | None = None,
    ) -> RateLimiter:
        """A bucket for a quota of ``requests`` per ``period_seconds`` (5000 per 3600).

        A quota lets its requests go at any pace within the window, so the bucket holds
        ``burst`` (default: ``requests``) tokens: calls within the quota never wait, and
        only a client outrunning it is held to the sustained rate. The bucket refills
        while it drains, so a full burst followed by the sustained rate can send up to
        ``requests + burst`` in one window; a smaller ``burst`` narrows that margin, and
        the server's 429 with its wait hint covers the rest.
        """
        for name, value in (("requests", requests), ("period_seconds", period_seconds)):
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a positive number, got {value}")
        return cls(
            requests / period_seconds,
            capacity=requests if burst is None else burst,
            clock=clock,
            sleep=sleep,
            async_sleep=async_sleep,
            logger=logger,
        )

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate}, capacity={self.capacity})"

    def __enter__(self) -> RateLimiter:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    async def __aenter__(self) -> RateLimiter:
        await self.acquire_async()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    @property
    def available(self) -> float:
        """Tokens that can be taken right now without waiting."""
        with self._lock:
            self._refill()
            return max(0.0, self._tokens)

    def try_acquire(self, tokens: float = 1.0) -> bool:
        """Take ``tokens`` if they are available now; never waits."""
        self._check(tokens)
        with self._lock:
            self._refill()
            if self._tokens + _EPSILON < tokens:
                return False
            self._tokens -= tokens
            return True

    def acquire(self, tokens: float = 1.0) -> float:
        """Take ``tokens``, sleeping until they are available; returns the wait."""
        wait = self._reserve(tokens)
        if wait > 0:
            try:
                self._sleep(wait)
            except BaseException:
                self._refund(tokens)
                raise
        return wait

    async def acquire_async(self, tokens: float = 1.0) -> float:
        """Like ``acquire``, but awaits instead of blocking the event loop."""
        wait = self._reserve(tokens)
        if wait > 0:
            try:
                await self._async_sleep(wait)
            except BaseException:  # cancelled: give the reservation back
                self._refund(tokens)
                raise
        return wait

    def _check(self, tokens: float) -> None:
        if not tokens > 0:
            raise ValueError(f"tokens must be positive, got {tokens}")
        if tokens > self.capacity:
            raise ValueError(
                f"cannot acquire {tokens} tokens from a bucket of {self.capacity}"
            )

    def _reserve(self, tokens: float) -> float:
        """Take ``tokens`` now, possibly into debt; return the time to repay it."""
        self._check(tokens)
        with self._lock:
            self._refill()
            self._tokens -= tokens
            deficit = -self._tokens
        if deficit <= _EPSILON:
            return 0.0
        wait = deficit / self.rate
        self._log.info(
            "rate limit of %.4g/s reached: waiting %.2fs for %g token(s)",
            self.rate,
            wait,
            tokens,
        )
        return wait

    def _refund(self, tokens: float) -> None:
        with self._lock:
            self._refill()
            self._tokens = min(self.capacity, self._tokens + tokens)

    def _refill(self) -> None:
        """Add the tokens earned since the last update; caller holds the lock."""
        now = self._clock()
        if now > self._updated:
            earned = (now - self._updated) * self.rate
            self._tokens = min(self.capacity, self._tokens + earned)
            self._updated = now


def _per_second(rate: float | None, calls_per_minute: float | None) -> float:
    """The rate in tokens per second, from exactly one of the two ways to give it."""
    if rate is not None and calls_per_minute is None:
        per_second, given = rate, f"rate {rate}"
    elif calls_per_minute is not None and rate is None:
        per_second, given = (
            calls_per_minute / 60,
            f"calls_per_minute {calls_per_minute}",
        )
    else:
        raise TypeError("give rate (per second) or calls_per_minute, exactly one")
    if not (per_second > 0 and math.isfinite(per_second)):
        raise ValueError(f"{given} must be a positive number")
    return float(per_second)

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

__all__ = ["RateLimiter"]

# Absorbs float rounding in refill arithmetic (10 * 0.1 != 1.0).
_EPSILON = 1e-9

_LOG = logging.getLogger(__name__)


class RateLimiter:
    """Token bucket: ``rate`` tokens per second, bursts of up to ``capacity``.

    ``capacity`` defaults to one second's worth of tokens (at least one). Waits are
    logged at INFO on ``logger`` (this module's by default).
    """

    def __init__(
        self,
        rate: float,
        *,
        capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        logger: logging.Logger | None = None,
    ) -> None:
        self.rate = _positive("rate", rate)
        self.capacity = _positive(
            "capacity", max(1.0, rate) if capacity is None else capacity
        )
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._log = _LOG if logger is None else logger
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._updated = clock()

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate}, capacity={self.capacity})"

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


def _positive(name: str, value: float) -> float:
    """``value`` as a float, if it is a positive finite number; else a ``ValueError``."""
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive number, got {value}")
    return float(value)

"""``RateLimiter`` in the forms application code uses directly.

A rate per minute (``RateLimiter(calls_per_minute=100)``), a quota (``for_quota``), a
context manager (``with limiter:``) and non-blocking checks (``try_acquire``,
``available``). A generated adapter only acquires from a bucket it sizes itself, so it
imports the core limiter of ``rate_limiter`` and this module does not ship with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

from .rate_limiter import _EPSILON, _positive
from .rate_limiter import RateLimiter as _CoreLimiter

__all__ = ["RateLimiter"]


class RateLimiter(_CoreLimiter):
    """The core token bucket, plus a per-minute rate, quotas and the ``with`` form.

    ``calls_per_minute`` gives the rate per minute instead of ``rate`` per second (give
    one of the two). As a context manager (``with limiter:`` or ``async with limiter:``)
    it takes one token before the block runs, waiting if needed.
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
        super().__init__(
            _per_second(rate, calls_per_minute),
            capacity=capacity,
            clock=clock,
            sleep=sleep,
            async_sleep=async_sleep,
            logger=logger,
        )

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
        requests = _positive("requests", requests)
        period_seconds = _positive("period_seconds", period_seconds)
        return cls(
            requests / period_seconds,
            capacity=requests if burst is None else burst,
            clock=clock,
            sleep=sleep,
            async_sleep=async_sleep,
            logger=logger,
        )

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


def _per_second(rate: float | None, calls_per_minute: float | None) -> float:
    """The rate in tokens per second, from exactly one of the two ways to give it."""
    if rate is not None and calls_per_minute is None:
        return rate
    if calls_per_minute is not None and rate is None:
        return _positive("calls_per_minute", calls_per_minute) / 60
    raise TypeError("give rate (per second) or calls_per_minute, exactly one")

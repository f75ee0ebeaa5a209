"""Test doubles for time, so timing behaviour is checked without real waiting."""

from __future__ import annotations

import threading


class FakeClock:
    """A monotonic clock that moves only when told to (or when slept on)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def sleep(self, seconds: float) -> None:
        """A ``time.sleep`` stand-in that records the wait and advances the clock."""
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        """An ``asyncio.sleep`` stand-in, same behaviour as ``sleep``."""
        self.sleep(seconds)

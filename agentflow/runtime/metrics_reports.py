"""``MetricsCollector`` that times blocks itself and reports totals as plain dicts.

Application code wraps a call (``with metrics.track("api_call", cost=0.001):``) and
reads ``get_total_metrics()``. A generated adapter times its own attempts and exposes
``snapshot()``, so it imports the core collector of ``metrics`` and this module does not
ship with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from .metrics import MetricsCollector as _CoreCollector

__all__ = ["MetricsCollector"]


class MetricsCollector(_CoreCollector):
    """The core collector, plus block timing (``time``/``track``), ``reset`` and totals.

    ``clock`` measures the blocks (``time.perf_counter`` by default).
    """

    def __init__(self, *, clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__()
        self._clock = clock

    @contextmanager
    def time(self, operation: str, *, cost: float = 0.0) -> Iterator[None]:
        """Record how long the block took, and its cost; an exception counts as an error."""
        start = self._clock()
        failed = True
        try:
            yield
            failed = False
        finally:
            elapsed = max(0.0, self._clock() - start)
            self.record(operation, elapsed, error=failed, cost=cost)

    def track(self, operation: str, *, cost: float = 0.0) -> AbstractContextManager[None]:
        """``time(operation, cost=cost)``, under the name the seed guide uses."""
        return self.time(operation, cost=cost)

    def reset(self) -> None:
        """Forget everything recorded so far."""
        with self._lock:
            self._metrics.clear()

    def to_dict(self) -> dict[str, dict[str, float | int]]:
        """``snapshot()`` as plain dicts, ready for JSON."""
        return {name: m.to_dict() for name, m in self.snapshot().items()}

    def get_total_metrics(self) -> dict[str, float | int]:
        """Totals over every operation: operations, calls, errors, seconds and cost."""
        every = list(self.snapshot().values())
        calls = sum(m.calls for m in every)
        seconds = sum(m.total_seconds for m in every)
        return {
            "operations": len(every),
            "calls": calls,
            "errors": sum(m.errors for m in every),
            "total_seconds": seconds,
            "avg_seconds": seconds / calls if calls else 0.0,
            "total_cost": sum(m.total_cost for m in every),
        }

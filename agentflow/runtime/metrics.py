"""In-process call metrics per operation: counts, errors, latency and cost.

Kept dependency-free on purpose: a generated integration reports plain dicts
(``to_dict``) that any exporter (Prometheus, StatsD, logs) can pick up, rather
than tying every package to one metrics library.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

__all__ = ["MetricsCollector", "OperationMetrics"]


@dataclass(frozen=True)
class OperationMetrics:
    """Totals for one operation; immutable so snapshots cannot drift."""

    calls: int
    errors: int
    total_seconds: float
    min_seconds: float
    max_seconds: float
    total_cost: float = 0.0

    @property
    def avg_seconds(self) -> float:
        """Mean duration per call; 0.0 before the first call."""
        return self.total_seconds / self.calls if self.calls else 0.0

    def to_dict(self) -> dict[str, float | int]:
        """Plain values, ready for JSON or an exporter."""
        return {
            "calls": self.calls,
            "errors": self.errors,
            "total_seconds": self.total_seconds,
            "min_seconds": self.min_seconds,
            "max_seconds": self.max_seconds,
            "avg_seconds": self.avg_seconds,
            "total_cost": self.total_cost,
        }


class _Totals:
    """One operation's running totals, updated in place under the collector's lock (a
    frozen `OperationMetrics` per call would cost more than the call's bookkeeping)."""

    __slots__ = ("calls", "errors", "total_seconds", "min_seconds", "max_seconds", "total_cost")

    def __init__(self, duration: float) -> None:
        self.calls = self.errors = 0
        self.total_seconds = self.total_cost = 0.0
        self.min_seconds = self.max_seconds = duration

    def add(self, duration: float, error: bool, cost: float) -> None:
        self.calls += 1
        self.errors += error
        self.total_seconds += duration
        self.total_cost += cost
        if duration < self.min_seconds:
            self.min_seconds = duration
        if duration > self.max_seconds:
            self.max_seconds = duration

    def frozen(self) -> OperationMetrics:
        return OperationMetrics(
            self.calls,
            self.errors,
            self.total_seconds,
            self.min_seconds,
            self.max_seconds,
            self.total_cost,
        )


class MetricsCollector:
    """Thread-safe recorder of per-operation call metrics."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._metrics: dict[str, _Totals] = {}

    def __repr__(self) -> str:
        with self._lock:
            return f"MetricsCollector(operations={sorted(self._metrics)!r})"

    def record(
        self, operation: str, duration: float, *, error: bool = False, cost: float = 0.0
    ) -> None:
        """Add one call of ``operation`` that took ``duration`` seconds and cost ``cost``
        (in any currency unit; only sums are made)."""
        if not duration >= 0:
            raise ValueError(f"duration must be >= 0, got {duration}")
        if not (cost >= 0 and math.isfinite(cost)):
            raise ValueError(f"cost must be a finite number >= 0, got {cost}")
        with self._lock:
            totals = self._metrics.get(operation)
            if totals is None:
                totals = self._metrics[operation] = _Totals(duration)
            totals.add(duration, error, cost)

    def snapshot(self) -> dict[str, OperationMetrics]:
        """Current totals, sorted by operation name."""
        with self._lock:
            return {name: totals.frozen() for name, totals in sorted(self._metrics.items())}

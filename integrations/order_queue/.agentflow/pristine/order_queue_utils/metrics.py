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

    def add(
        self, duration: float, *, error: bool, cost: float = 0.0
    ) -> OperationMetrics:
        """These totals with one more call, which cost ``cost``."""
        return OperationMetrics(
            calls=self.calls + 1,
            errors=self.errors + int(error),
            total_seconds=self.total_seconds + duration,
            min_seconds=min(self.min_seconds, duration),
            max_seconds=max(self.max_seconds, duration),
            total_cost=self.total_cost + cost,
        )


class MetricsCollector:
    """Thread-safe recorder of per-operation call metrics."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._metrics: dict[str, OperationMetrics] = {}

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
            current = self._metrics.get(operation)
            if current is None:
                current = OperationMetrics(0, 0, 0.0, duration, duration)
            self._metrics[operation] = current.add(duration, error=error, cost=cost)

    def snapshot(self) -> dict[str, OperationMetrics]:
        """Current totals, sorted by operation name."""
        with self._lock:
            return dict(sorted(self._metrics.items()))

"""Per-operation call metrics: aggregation, timing blocks and snapshots."""

from __future__ import annotations

import threading

import pytest

from agentflow.runtime import MetricsCollector, OperationMetrics

from .fakes import FakeClock


def test_record_aggregates_counts_and_durations() -> None:
    metrics = MetricsCollector()
    metrics.record("get", 0.2)
    metrics.record("get", 0.6, error=True)
    metrics.record("get", 0.4)
    got = metrics.snapshot()["get"]
    assert (got.calls, got.errors) == (3, 1)
    assert got.total_seconds == pytest.approx(1.2)
    assert (got.min_seconds, got.max_seconds) == (0.2, 0.6)
    assert got.avg_seconds == pytest.approx(0.4)


def test_avg_is_zero_without_calls() -> None:
    assert OperationMetrics(0, 0, 0.0, 0.0, 0.0).avg_seconds == 0.0


def test_record_rejects_negative_durations() -> None:
    with pytest.raises(ValueError):
        MetricsCollector().record("get", -0.1)


def test_time_records_the_block_duration(clock: FakeClock) -> None:
    metrics = MetricsCollector(clock=clock)
    with metrics.time("list"):
        clock.advance(1.5)
    got = metrics.snapshot()["list"]
    assert (got.calls, got.errors, got.total_seconds) == (1, 0, 1.5)


def test_time_records_errors_and_reraises(clock: FakeClock) -> None:
    metrics = MetricsCollector(clock=clock)
    with pytest.raises(RuntimeError, match="boom"), metrics.time("push"):
        clock.advance(0.25)
        raise RuntimeError("boom")
    with metrics.time("push"):
        clock.advance(0.75)
    got = metrics.snapshot()["push"]
    assert (got.calls, got.errors) == (2, 1)
    assert (got.min_seconds, got.max_seconds) == (0.25, 0.75)


def test_snapshot_is_sorted_and_detached() -> None:
    metrics = MetricsCollector()
    for name in ("zeta", "alpha", "mid"):
        metrics.record(name, 0.1)
    before = metrics.snapshot()
    metrics.record("alpha", 0.3)
    assert list(before) == ["alpha", "mid", "zeta"]
    assert before["alpha"].calls == 1
    assert metrics.snapshot()["alpha"].calls == 2


def test_to_dict_and_reset() -> None:
    metrics = MetricsCollector()
    metrics.record("get", 0.5, error=True)
    metrics.record("get", 1.5, cost=0.25)
    assert metrics.to_dict() == {
        "get": {
            "calls": 2,
            "errors": 1,
            "total_seconds": 2.0,
            "min_seconds": 0.5,
            "max_seconds": 1.5,
            "avg_seconds": 1.0,
            "total_cost": 0.25,
        }
    }
    metrics.reset()
    assert metrics.snapshot() == {} and metrics.to_dict() == {}


def test_concurrent_records_are_all_counted() -> None:
    metrics = MetricsCollector()

    def work() -> None:
        for _ in range(500):
            metrics.record("op", 0.001)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert metrics.snapshot()["op"].calls == 4000

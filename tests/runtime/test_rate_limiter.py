"""Token bucket: bursts, waiting times from the clock, async, and thread safety."""

from __future__ import annotations

import asyncio
import logging
import math
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from agentflow.runtime import RateLimiter

from .fakes import FakeClock


def limiter(clock: FakeClock, rate: float, capacity: float | None = None) -> RateLimiter:
    return RateLimiter(
        rate,
        capacity=capacity,
        clock=clock,
        sleep=clock.sleep,
        async_sleep=clock.async_sleep,
    )


@pytest.mark.parametrize("rate", [0.0, -1.0, math.nan, math.inf])
def test_rejects_invalid_rate(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(rate)


@pytest.mark.parametrize("capacity", [0.0, -2.0, math.inf])
def test_rejects_invalid_capacity(capacity: float) -> None:
    with pytest.raises(ValueError, match="capacity"):
        RateLimiter(1.0, capacity=capacity)


@pytest.mark.parametrize(("rate", "expected"), [(0.5, 1.0), (1.0, 1.0), (5.0, 5.0)])
def test_default_capacity_and_starts_full(clock: FakeClock, rate: float, expected: float) -> None:
    bucket = limiter(clock, rate)
    assert bucket.capacity == expected
    assert bucket.available == expected


def test_burst_up_to_capacity_then_refuses(clock: FakeClock) -> None:
    bucket = limiter(clock, rate=1.0, capacity=3.0)
    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]
    clock.advance(1.0)
    assert [bucket.try_acquire() for _ in range(2)] == [True, False]


def test_refill_never_exceeds_capacity(clock: FakeClock) -> None:
    bucket = limiter(clock, rate=10.0, capacity=4.0)
    bucket.try_acquire(4.0)
    clock.advance(100.0)
    assert bucket.available == 4.0


def test_fractional_refill_is_exact_enough(clock: FakeClock) -> None:
    bucket = limiter(clock, rate=100.0, capacity=1.0)
    assert bucket.try_acquire()
    clock.advance(0.01)  # (1000.01 - 1000.0) * 100 is 0.99999999999909
    assert bucket.try_acquire()


def test_acquire_waits_for_the_refill(clock: FakeClock) -> None:
    bucket = limiter(clock, rate=2.0, capacity=1.0)
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == 0.5
    assert bucket.acquire() == 0.5
    assert clock.sleeps == [0.5, 0.5]


def test_wait_accounts_for_time_already_passed(clock: FakeClock) -> None:
    bucket = limiter(clock, rate=2.0, capacity=1.0)
    bucket.acquire()
    clock.advance(0.2)
    assert bucket.acquire() == pytest.approx(0.3)
    assert clock.sleeps == [pytest.approx(0.3)]


def test_waiters_queue_behind_each_other(clock: FakeClock) -> None:
    frozen = RateLimiter(1.0, clock=clock, sleep=lambda _: None)
    assert [frozen.acquire() for _ in range(4)] == [0.0, 1.0, 2.0, 3.0]
    assert not frozen.try_acquire()


def test_multi_token_acquire(clock: FakeClock) -> None:
    bucket = limiter(clock, rate=4.0, capacity=4.0)
    assert bucket.acquire(3.0) == 0.0
    assert bucket.acquire(3.0) == pytest.approx(0.5)
    assert bucket.available == pytest.approx(0.0)


@pytest.mark.parametrize("tokens", [0.0, -1.0, 5.0])
def test_rejects_impossible_token_counts(clock: FakeClock, tokens: float) -> None:
    bucket = limiter(clock, rate=1.0, capacity=4.0)
    with pytest.raises(ValueError):
        bucket.acquire(tokens)
    with pytest.raises(ValueError):
        bucket.try_acquire(tokens)


def test_clock_going_backwards_neither_adds_nor_removes(clock: FakeClock) -> None:
    bucket = limiter(clock, rate=1.0, capacity=2.0)
    clock.advance(-5.0)
    assert bucket.available == 2.0
    bucket.try_acquire(2.0)
    clock.advance(-50.0)
    assert bucket.available == 0.0
    clock.advance(55.5)  # tokens accrue again only past the latest time seen
    assert bucket.available == pytest.approx(0.5)


def test_acquire_async_awaits_the_wait(clock: FakeClock) -> None:
    bucket = limiter(clock, rate=4.0, capacity=1.0)

    async def twice() -> list[float]:
        return [await bucket.acquire_async(), await bucket.acquire_async()]

    assert asyncio.run(twice()) == [0.0, 0.25]
    assert clock.sleeps == [0.25]


def test_cancelled_async_wait_gives_tokens_back(clock: FakeClock) -> None:
    async def cancelled(_: float) -> None:
        raise asyncio.CancelledError

    bucket = RateLimiter(1.0, clock=clock, async_sleep=cancelled)
    bucket.try_acquire()
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(bucket.acquire_async())
    clock.advance(1.0)
    assert bucket.available == 1.0


def test_interrupted_sync_wait_gives_tokens_back(clock: FakeClock) -> None:
    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    bucket = RateLimiter(1.0, clock=clock, sleep=interrupted)
    bucket.try_acquire()
    with pytest.raises(KeyboardInterrupt):
        bucket.acquire()
    clock.advance(1.0)
    assert bucket.try_acquire()


def test_cancelled_async_waiter_gives_tokens_back_to_the_next(clock: FakeClock) -> None:
    bucket = RateLimiter(1.0, clock=clock, async_sleep=asyncio.sleep)
    bucket.try_acquire()

    async def cancel_a_waiter() -> None:
        waiter = asyncio.create_task(bucket.acquire_async())
        await asyncio.sleep(0)  # the waiter reserves its token and starts sleeping
        assert bucket.available == 0.0 and not bucket.try_acquire()
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter

    asyncio.run(cancel_a_waiter())
    clock.advance(1.0)
    assert bucket.try_acquire()


def test_for_quota_lets_calls_within_the_quota_go_without_waiting(clock: FakeClock) -> None:
    bucket = RateLimiter.for_quota(5000, 3600, clock=clock, sleep=clock.sleep)
    assert bucket.capacity == 5000 and bucket.rate == pytest.approx(5000 / 3600)
    assert [bucket.acquire() for _ in range(5000)] == [0.0] * 5000
    assert bucket.acquire() == pytest.approx(3600 / 5000)
    assert clock.sleeps == [pytest.approx(0.72)]


def test_for_quota_burst_is_configurable(clock: FakeClock) -> None:
    bucket = RateLimiter.for_quota(100, 60, burst=2, clock=clock, sleep=clock.sleep)
    assert (bucket.capacity, bucket.rate) == (2.0, pytest.approx(100 / 60))
    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, pytest.approx(0.6)]


@pytest.mark.parametrize(
    ("requests", "period", "burst", "message"),
    [
        (0, 60.0, None, "requests"),
        (math.nan, 60.0, None, "requests"),
        (10, 0.0, None, "period_seconds"),
        (10, math.inf, None, "period_seconds"),
        (10, 60.0, 0.0, "capacity"),
    ],
)
def test_for_quota_rejects_invalid_values(
    requests: float, period: float, burst: float | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RateLimiter.for_quota(requests, period, burst=burst)


def test_waits_are_logged_and_free_calls_are_not(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bucket = RateLimiter(
        2.0, clock=clock, sleep=clock.sleep, logger=logging.getLogger("svc.adapter")
    )
    bucket.acquire()
    bucket.acquire()
    bucket.acquire()
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("svc.adapter", logging.INFO, "rate limit of 2/s reached: waiting 0.50s for 1 token(s)")
    ]


def test_waits_go_to_the_module_logger_by_default(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bucket = limiter(clock, rate=1.0)
    bucket.acquire()
    bucket.acquire()
    assert [r.name for r in caplog.records] == ["agentflow.runtime.rate_limiter"]


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Switch threads as often as possible so races have a chance to show."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def run_threads(count: int, target: Callable[[], None]) -> None:
    barrier = threading.Barrier(count)

    def start() -> None:
        barrier.wait()
        target()

    threads = [threading.Thread(target=start) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.usefixtures("busy_switching")
def test_threads_never_get_more_than_the_bucket_allows(clock: FakeClock) -> None:
    bucket = limiter(clock, rate=100.0, capacity=20.0)
    granted: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        mine = sum(bucket.try_acquire() for _ in range(300))
        with lock:
            granted.append(mine)

    run_threads(8, hammer)
    assert sum(granted) == 20
    clock.advance(0.5)  # earns 50 tokens, capped at capacity 20
    run_threads(8, hammer)
    assert sum(granted) == 40


@pytest.mark.usefixtures("busy_switching")
def test_concurrent_waiters_get_distinct_slots(clock: FakeClock) -> None:
    bucket = RateLimiter(10.0, capacity=2.0, clock=clock, sleep=lambda _: None)
    waits: list[float] = []
    lock = threading.Lock()

    def wait_once() -> None:
        waited = bucket.acquire()
        with lock:
            waits.append(waited)

    run_threads(12, wait_once)
    expected = [0.0, 0.0] + [n / 10 for n in range(1, 11)]
    assert sorted(waits) == pytest.approx(expected)

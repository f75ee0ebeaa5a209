"""The helpers as the user guide calls them: its argument names, context managers and methods.

`retry_exponential(base_delay=...)`, `RateLimiter(calls_per_minute=...)` used as a context
manager, `MetricsCollector.track(..., cost=...)` and `get_total_metrics()`,
`SecretManager(prefix=...)` with `get(..., required=...)`, `CacheManager(default_ttl=...)`
with `cached(ttl=...)`, and `ErrorHandler()` with `handle` and `should_retry`.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from agentflow.runtime import (
    CacheManager,
    CircuitOpenError,
    ErrorHandler,
    IntegrationError,
    MetricsCollector,
    MissingSecretError,
    RateLimiter,
    RetryExhaustedError,
    SecretManager,
    retry_exponential,
)

from .fakes import FakeClock


def test_base_delay_is_the_backoff_base(clock: FakeClock) -> None:
    failures = [ConnectionError("down"), ConnectionError("down")]

    @retry_exponential(max_attempts=3, base_delay=2.0, jitter=False, sleep=clock.sleep)
    def call_api() -> str:
        if failures:
            raise failures.pop()
        return "up"

    assert call_api() == "up"
    assert clock.sleeps == [2.0, 4.0]


def test_backoff_base_and_base_delay_together_are_refused() -> None:
    with pytest.raises(TypeError, match="not both"):
        retry_exponential(backoff_base=1.0, base_delay=2.0)


def test_without_either_the_backoff_base_stays_half_a_second(clock: FakeClock) -> None:
    @retry_exponential(max_attempts=2, jitter=False, sleep=clock.sleep)
    def always() -> None:
        raise ConnectionError("down")

    with pytest.raises(RetryExhaustedError):
        always()
    assert clock.sleeps == [0.5]


def test_calls_per_minute_is_a_rate_per_second(clock: FakeClock) -> None:
    limiter = RateLimiter(calls_per_minute=120, clock=clock, sleep=clock.sleep)
    assert limiter.rate == 2.0
    for _ in range(3):
        with limiter:
            pass
    assert clock.sleeps == [0.5]  # a burst of two, then one token every half second


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({}, TypeError),
        ({"rate": 1.0, "calls_per_minute": 60.0}, TypeError),
        ({"calls_per_minute": 0.0}, ValueError),
        ({"calls_per_minute": math.nan}, ValueError),
    ],
)
def test_a_rate_is_given_once_and_positive(arguments: dict[str, float], error: type) -> None:
    with pytest.raises(error, match="calls_per_minute"):
        RateLimiter(**arguments)  # type: ignore[arg-type]


def test_async_with_takes_a_token(clock: FakeClock) -> None:
    limiter = RateLimiter(1.0, clock=clock, async_sleep=clock.async_sleep)

    async def twice() -> None:
        async with limiter:
            pass
        async with limiter:
            pass

    asyncio.run(twice())
    assert clock.sleeps == [1.0]


def test_track_records_duration_errors_and_cost(clock: FakeClock) -> None:
    metrics = MetricsCollector(clock=clock)
    with metrics.track("api_call", cost=0.001):
        clock.advance(0.25)
    with pytest.raises(KeyError), metrics.track("api_call", cost=0.002):
        raise KeyError("gone")
    with metrics.track("other"):
        clock.advance(0.75)
    assert metrics.snapshot()["api_call"].total_cost == pytest.approx(0.003)
    totals = metrics.get_total_metrics()
    assert totals == {
        "operations": 2,
        "calls": 3,
        "errors": 1,
        "total_seconds": 1.0,
        "avg_seconds": pytest.approx(1 / 3),
        "total_cost": pytest.approx(0.003),
    }


@pytest.mark.parametrize("cost", [-0.01, math.nan, math.inf])
def test_a_cost_is_a_finite_amount(cost: float) -> None:
    with pytest.raises(ValueError, match="cost"):
        MetricsCollector().record("api_call", 0.1, cost=cost)


def test_totals_before_any_call_are_zero() -> None:
    assert MetricsCollector().get_total_metrics() == {
        "operations": 0,
        "calls": 0,
        "errors": 0,
        "total_seconds": 0.0,
        "avg_seconds": 0.0,
        "total_cost": 0.0,
    }


def test_a_prefix_is_put_before_every_name() -> None:
    secrets = SecretManager({"APP_API_KEY": " sk-app \n", "API_KEY": "sk-bare"}, prefix="APP_")
    assert secrets.get("API_KEY", required=True) == "sk-app"
    assert secrets.redact("key sk-app") == "key ***"
    assert secrets.get("TOKEN", required=False) is None
    with pytest.raises(MissingSecretError, match="APP_TOKEN is not set") as caught:
        secrets.get("TOKEN")
    assert caught.value.name == "APP_TOKEN"


def test_cached_keeps_each_result_for_its_ttl(clock: FakeClock) -> None:
    cache: CacheManager[Any] = CacheManager(default_ttl=3600, clock=clock)
    calls: list[int] = []

    @cache.cached(ttl=600)
    def expensive_function(arg: int) -> int:
        calls.append(arg)
        return arg * 10

    assert [expensive_function(1), expensive_function(1), expensive_function(2)] == [10, 10, 20]
    assert calls == [1, 2]
    clock.advance(600)
    assert expensive_function(1) == 10 and calls == [1, 2, 1]
    assert cache.ttl == 3600


def test_cached_tells_keyword_arguments_apart(clock: FakeClock) -> None:
    cache: CacheManager[Any] = CacheManager(clock=clock)

    @cache.cached()
    def scaled(value: int, *, factor: int = 1) -> int:
        return value * factor

    assert [scaled(2), scaled(2, factor=3), scaled(2, factor=1)] == [2, 6, 2]
    assert len(cache) == 3


def test_cached_refuses_coroutines_and_two_ttls() -> None:
    async def fetch() -> int:
        return 1

    with pytest.raises(TypeError, match="async"):
        CacheManager[Any]().cached()(fetch)
    with pytest.raises(TypeError, match="not both"):
        CacheManager(ttl=10, default_ttl=20)
    with pytest.raises(ValueError, match="ttl"):
        CacheManager().cached(ttl=0)
    assert CacheManager().ttl == 300.0 and CacheManager(ttl=None).ttl is None


def test_handle_raises_the_translation_with_its_context() -> None:
    cause = ConnectionError("reset by peer")
    with pytest.raises(IntegrationError, match="ConnectionError: reset by peer") as caught:
        try:
            raise cause
        except Exception as e:
            ErrorHandler().handle(e, context={"operation": "api_call", "attempt": 2})
    assert caught.value.operation == "api_call"
    assert caught.value.context == {"operation": "api_call", "attempt": 2}
    assert caught.value.__cause__ is cause


def test_handle_raises_an_integration_error_as_it_is() -> None:
    original = IntegrationError("already ours", operation="list")
    with pytest.raises(IntegrationError) as caught:
        ErrorHandler().handle(original, context={"operation": "api_call"})
    assert caught.value is original and caught.value.__cause__ is None
    assert caught.value.context == {"operation": "api_call"}


class _Response:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


class _HTTPError(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.response = _Response(status_code)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionError("reset"), True),
        (TimeoutError("slow"), True),
        (_HTTPError(429), True),
        (_HTTPError(503), True),
        (_HTTPError(404), False),
        (ValueError("bad input"), False),
        (CircuitOpenError(3.0), False),
    ],
)
def test_should_retry_transient_errors_while_attempts_are_left(
    error: BaseException, transient: bool
) -> None:
    handler = ErrorHandler()
    assert handler.should_retry(error, 1, 3) is transient
    assert handler.should_retry(error, 3, 3) is False


def test_should_retry_reads_marks_and_its_own_types() -> None:
    marked = IntegrationError("later")
    marked.retryable = True  # type: ignore[attr-defined]
    waiting = IntegrationError("later")
    waiting.retry_after = 2.0  # type: ignore[attr-defined]
    assert ErrorHandler().should_retry(marked, 1, 2) and ErrorHandler().should_retry(waiting, 1, 2)
    assert ErrorHandler(retryable=(KeyError,)).should_retry(KeyError("k"), 1, 2)
    assert not ErrorHandler(retryable=(KeyError,)).should_retry(ConnectionError(), 1, 2)
    with pytest.raises(ValueError, match="from 1"):
        ErrorHandler().should_retry(ConnectionError(), 0, 3)

"""Backoff policy, Retry-After parsing and the retry decorator (sync and async)."""

from __future__ import annotations

import asyncio
import inspect
import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from agentflow.runtime import (
    RetryExhaustedError,
    RetryPolicy,
    parse_retry_after,
    retry_exponential,
)

from .fakes import FakeClock


class Flaky(Exception):
    """A retryable failure, optionally carrying a server-requested delay."""

    def __init__(self, message: str = "flaky", retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


# --- RetryPolicy -----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"backoff_base": -0.1},
        {"backoff_max": -1.0},
        {"retry_after_max": -1.0},
        {"backoff_base": math.nan},
    ],
)
def test_policy_rejects_invalid_values(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def test_delay_without_jitter_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4.0, jitter=False)
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_delay_with_huge_attempt_number_stays_at_the_cap() -> None:
    assert RetryPolicy(jitter=False).delay(10_000) == 30.0


def test_delay_rejects_attempt_zero() -> None:
    with pytest.raises(ValueError, match="1-based"):
        RetryPolicy().delay(0)


def test_full_jitter_stays_within_bounds_and_spreads() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=8.0)
    rng = random.Random(42)
    for attempt in range(1, 7):
        ceiling = min(8.0, 2.0 ** (attempt - 1))
        samples = [policy.delay(attempt, rng=rng) for _ in range(200)]
        assert all(0.0 <= s <= ceiling for s in samples)
        assert min(samples) < 0.25 * ceiling and max(samples) > 0.75 * ceiling


def test_jitter_is_reproducible_with_a_seeded_rng() -> None:
    policy = RetryPolicy()
    first = [policy.delay(3, rng=random.Random(7)) for _ in range(3)]
    again = [policy.delay(3, rng=random.Random(7)) for _ in range(3)]
    assert first == again == [random.Random(7).uniform(0.0, 2.0)] * 3


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [(7.0, 7.0), (60.0, 60.0), (-3.0, 0.0), (0.0, 0.0)],
)
def test_retry_after_up_to_the_max_wins(retry_after: float, expected: float) -> None:
    policy = RetryPolicy(backoff_max=1.0, retry_after_max=60.0, jitter=True)
    assert policy.delay(1, retry_after=retry_after, rng=random.Random(1)) == expected
    assert policy.wait_for(1, retry_after, rng=random.Random(1)) == expected


@pytest.mark.parametrize("retry_after", [60.001, 500.0, math.inf])
def test_retry_after_beyond_the_max_is_capped_by_delay(retry_after: float) -> None:
    assert RetryPolicy(retry_after_max=60.0).delay(1, retry_after=retry_after) == 60.0


@pytest.mark.parametrize("retry_after", [60.001, 500.0, math.inf, math.nan])
def test_retry_after_beyond_the_max_means_do_not_retry(retry_after: float) -> None:
    policy = RetryPolicy(retry_after_max=60.0, jitter=False)
    assert policy.wait_for(1, retry_after) is None
    assert policy.wait_for(1, retry_after=retry_after) is None


def test_wait_for_without_a_hint_is_the_backoff() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4.0, jitter=False)
    assert [policy.wait_for(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    with pytest.raises(ValueError, match="1-based"):
        policy.wait_for(0, 1.0)


# --- parse_retry_after ---------------------------------------------------------

NOW = datetime(2015, 10, 21, 7, 28, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("120", 120.0), (" 3 ", 3.0), ("1.5", 1.5), ("0", 0.0)],
)
def test_parse_delta_seconds(header: str, expected: float) -> None:
    assert parse_retry_after(header) == expected


@pytest.mark.parametrize(
    "header", [None, "", "   ", "soon", "nan", "inf", "1e400", "-5", "-0.5", "12abc"]
)
def test_parse_absent_or_garbage_is_none(header: str | None) -> None:
    assert parse_retry_after(header, now=NOW) is None


def test_parse_http_date_relative_to_now() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:30:30 GMT", now=NOW) == 150.0


def test_parse_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now=NOW) == 0.0


def test_parse_http_date_with_naive_now_treats_it_as_utc() -> None:
    naive = NOW.replace(tzinfo=None)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=naive) == 10.0


def test_parse_http_date_defaults_to_the_current_time() -> None:
    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    header = soon.strftime("%a, %d %b %Y %H:%M:%S GMT")
    seconds = parse_retry_after(header)
    assert seconds is not None and 3500.0 < seconds <= 3600.0


# --- retry_exponential, sync -----------------------------------------------------


def failing(times: int, error: Exception | None = None) -> tuple[list[int], Callable[[int], str]]:
    """A function failing ``times`` times before returning "ok", and its call log."""
    calls: list[int] = []

    def fn(value: int) -> str:
        calls.append(value)
        if len(calls) <= times:
            raise error or Flaky(f"failure {len(calls)}")
        return "ok"

    return calls, fn


def test_retries_until_success_with_backoff(clock: FakeClock) -> None:
    calls, fn = failing(2)
    wrapped = retry_exponential(3, 0.5, jitter=False, sleep=clock.sleep)(fn)
    assert wrapped(9) == "ok"
    assert calls == [9, 9, 9]
    assert clock.sleeps == [0.5, 1.0]


def test_exhaustion_raises_from_the_last_error(clock: FakeClock) -> None:
    errors: list[Flaky] = []

    @retry_exponential(3, jitter=False, sleep=clock.sleep)
    def always_fails() -> None:
        errors.append(Flaky("token=abc123 rejected"))
        raise errors[-1]

    with pytest.raises(RetryExhaustedError) as info:
        always_fails()
    assert info.value.attempts == 3
    assert info.value.__cause__ is errors[-1]
    assert "always_fails" in (info.value.operation or "")
    assert "abc123" not in str(info.value)
    assert len(errors) == 3 and clock.sleeps == [0.5, 1.0]


def test_errors_outside_retry_on_propagate_at_once(clock: FakeClock) -> None:
    calls, fn = failing(5, KeyError("nope"))
    wrapped = retry_exponential(retry_on=(Flaky,), sleep=clock.sleep)(fn)
    with pytest.raises(KeyError):
        wrapped(1)
    assert calls == [1] and clock.sleeps == []


def test_single_attempt_never_sleeps(clock: FakeClock) -> None:
    _, fn = failing(1)
    wrapped = retry_exponential(1, sleep=clock.sleep)(fn)
    with pytest.raises(RetryExhaustedError) as info:
        wrapped(1)
    assert info.value.attempts == 1 and clock.sleeps == []


def test_error_retry_after_sets_the_delay_and_is_capped(clock: FakeClock) -> None:
    raised = iter([Flaky(retry_after=2.5), Flaky(retry_after=900.0)])

    @retry_exponential(3, sleep=clock.sleep, retry_after_max=10.0)
    def rate_limited() -> str:
        error = next(raised, None)
        if error is not None:
            raise error
        return "done"

    assert rate_limited() == "done"
    assert clock.sleeps == [2.5, 10.0]


def test_seeded_rng_gives_the_policy_jittered_delays(clock: FakeClock) -> None:
    _, fn = failing(3)
    wrapped = retry_exponential(4, 1.0, 8.0, sleep=clock.sleep, rng=random.Random(3))(fn)
    assert wrapped(0) == "ok"
    reference, policy = random.Random(3), RetryPolicy(4, 1.0, 8.0)
    assert clock.sleeps == [policy.delay(n, rng=reference) for n in (1, 2, 3)]


def test_on_retry_sees_each_attempt_error_and_delay(clock: FakeClock) -> None:
    seen: list[tuple[int, str, float]] = []
    _, fn = failing(2)
    wrapped = retry_exponential(
        3,
        jitter=False,
        sleep=clock.sleep,
        on_retry=lambda n, exc, delay: seen.append((n, str(exc), delay)),
    )(fn)
    wrapped(0)
    assert seen == [(1, "failure 1", 0.5), (2, "failure 2", 1.0)]


def test_decorator_preserves_metadata() -> None:
    @retry_exponential()
    def documented(x: int) -> int:
        """Doubles."""
        return 2 * x

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Doubles."
    assert documented(4) == 8


def test_invalid_settings_fail_at_decoration_time() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        retry_exponential(0)


# --- retry_exponential, async ----------------------------------------------------


def test_async_retries_with_async_sleep(clock: FakeClock) -> None:
    calls: list[int] = []

    def blocking_sleep(seconds: float) -> None:
        raise AssertionError("the sync sleep must not be used for coroutines")

    @retry_exponential(3, jitter=False, sleep=blocking_sleep, async_sleep=clock.async_sleep)
    async def fetch(value: int) -> int:
        calls.append(value)
        if len(calls) < 3:
            raise Flaky()
        return value * 10

    assert inspect.iscoroutinefunction(fetch)
    assert asyncio.run(fetch(4)) == 40
    assert calls == [4, 4, 4] and clock.sleeps == [0.5, 1.0]


def test_async_exhaustion_and_passthrough(clock: FakeClock) -> None:
    @retry_exponential(2, retry_on=(Flaky,), async_sleep=clock.async_sleep)
    async def flaky() -> None:
        raise Flaky()

    @retry_exponential(2, retry_on=(Flaky,), async_sleep=clock.async_sleep)
    async def broken() -> None:
        raise KeyError("k")

    with pytest.raises(RetryExhaustedError) as info:
        asyncio.run(flaky())
    assert info.value.attempts == 2 and isinstance(info.value.__cause__, Flaky)
    with pytest.raises(KeyError):
        asyncio.run(broken())
    assert len(clock.sleeps) == 1

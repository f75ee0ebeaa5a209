"""Circuit breaker state machine, trial calls and the call wrappers."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from agentflow.runtime import CircuitBreaker, CircuitOpenError

from .fakes import FakeClock


def breaker(clock: FakeClock, threshold: int = 3, reset: float = 10.0) -> CircuitBreaker:
    return CircuitBreaker(threshold, reset, clock=clock)


def trip(cb: CircuitBreaker) -> None:
    for _ in range(cb.failure_threshold):
        cb.record_failure()


@pytest.mark.parametrize(("threshold", "reset"), [(0, 1.0), (1, -1.0)])
def test_rejects_invalid_settings(threshold: int, reset: float) -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(threshold, reset)


def test_stays_closed_below_threshold(clock: FakeClock) -> None:
    cb = breaker(clock)
    cb.record_failure()
    cb.record_failure()
    assert cb.state == "closed" and cb.failures == 2
    cb.before_call()


def test_opens_at_threshold_and_reports_retry_in(clock: FakeClock) -> None:
    cb = breaker(clock)
    trip(cb)
    assert cb.state == "open"
    clock.advance(4.0)
    with pytest.raises(CircuitOpenError) as info:
        cb.before_call("get_user")
    assert info.value.retry_in == pytest.approx(6.0)
    assert info.value.operation == "get_user"


def test_success_resets_the_consecutive_count(clock: FakeClock) -> None:
    cb = breaker(clock)
    cb.record_failure()
    cb.record_failure()
    cb.record_success()
    cb.record_failure()
    cb.record_failure()
    assert cb.state == "closed" and cb.failures == 2


def test_turns_half_open_after_reset_timeout(clock: FakeClock) -> None:
    cb = breaker(clock)
    trip(cb)
    clock.advance(9.99)
    seen = [cb.state]
    clock.advance(0.01)
    seen.append(cb.state)
    assert seen == ["open", "half_open"]


def test_half_open_lets_exactly_one_trial_through(clock: FakeClock) -> None:
    cb = breaker(clock)
    trip(cb)
    clock.advance(10.0)
    cb.before_call()
    with pytest.raises(CircuitOpenError) as info:
        cb.before_call()
    assert info.value.retry_in == 0.0


def test_successful_trial_closes(clock: FakeClock) -> None:
    cb = breaker(clock)
    trip(cb)
    clock.advance(10.0)
    cb.before_call()
    cb.record_success()
    assert cb.state == "closed" and cb.failures == 0
    cb.before_call()
    cb.before_call()


def test_failed_trial_reopens_for_a_full_timeout(clock: FakeClock) -> None:
    cb = breaker(clock)
    trip(cb)
    clock.advance(10.0)
    cb.before_call()
    cb.record_failure()
    assert cb.state == "open"
    with pytest.raises(CircuitOpenError) as info:
        cb.before_call()
    assert info.value.retry_in == pytest.approx(10.0)


def test_lost_trial_frees_its_slot_after_reset_timeout(clock: FakeClock) -> None:
    cb = breaker(clock)
    trip(cb)
    clock.advance(10.0)
    cb.before_call()  # this trial never reports back
    clock.advance(9.0)
    with pytest.raises(CircuitOpenError):
        cb.before_call()
    clock.advance(1.0)
    cb.before_call()


def test_call_records_outcomes_and_reraises(clock: FakeClock) -> None:
    cb = breaker(clock, threshold=2)

    def fail() -> None:
        raise OSError("down")

    assert cb.call(lambda x: x + 1, 1) == 2
    for _ in range(2):
        with pytest.raises(OSError):
            cb.call(fail)
    assert cb.state == "open"


def test_call_refuses_without_invoking_when_open(clock: FakeClock) -> None:
    cb = breaker(clock, threshold=1)
    cb.record_failure()
    invoked: list[int] = []

    def fetch_data() -> None:
        invoked.append(1)

    with pytest.raises(CircuitOpenError) as info:
        cb.call(fetch_data)
    assert invoked == [] and "fetch_data" in (info.value.operation or "")


def test_errors_outside_failure_on_count_as_success(clock: FakeClock) -> None:
    cb = CircuitBreaker(1, 5.0, clock=clock, failure_on=(OSError,))
    cb.record_failure()
    clock.advance(5.0)

    def not_found() -> None:
        raise LookupError("404")

    with pytest.raises(LookupError):
        cb.call(not_found)
    assert cb.state == "closed"


def test_interrupted_trial_frees_the_slot_without_a_verdict(clock: FakeClock) -> None:
    cb = breaker(clock, threshold=1)
    cb.record_failure()
    clock.advance(10.0)

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cb.call(interrupted)
    assert cb.state == "half_open"
    cb.before_call()


def test_call_async(clock: FakeClock) -> None:
    cb = breaker(clock, threshold=1)

    async def ok(value: int) -> int:
        return value * 2

    async def down() -> None:
        raise OSError("down")

    assert asyncio.run(cb.call_async(ok, 21)) == 42
    with pytest.raises(OSError):
        asyncio.run(cb.call_async(down))
    assert cb.state == "open"
    with pytest.raises(CircuitOpenError):
        asyncio.run(cb.call_async(ok, 1))


def test_concurrent_half_open_callers_get_one_trial(clock: FakeClock) -> None:
    cb = breaker(clock, threshold=1)
    cb.record_failure()
    clock.advance(10.0)
    admitted: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def attempt() -> None:
        barrier.wait()
        try:
            cb.before_call()
            result = True
        except CircuitOpenError:
            result = False
        with lock:
            admitted.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(admitted) == [False] * 15 + [True]


def test_release_trial_lets_the_next_caller_try_at_once(clock: FakeClock) -> None:
    cb = breaker(clock, threshold=1)
    cb.record_failure()
    clock.advance(10.0)
    cb.before_call()
    with pytest.raises(CircuitOpenError):
        cb.before_call()
    cb.release_trial()
    assert cb.state == "half_open" and cb.failures == 1
    cb.before_call()


def test_cancelled_async_trial_frees_the_slot(clock: FakeClock) -> None:
    cb = breaker(clock, threshold=1)
    cb.record_failure()
    clock.advance(10.0)

    async def cancel_the_trial() -> None:
        started = asyncio.Event()

        async def hangs() -> None:
            started.set()
            await asyncio.Event().wait()

        trial = asyncio.create_task(cb.call_async(hangs))
        await started.wait()
        with pytest.raises(CircuitOpenError):
            cb.before_call()
        trial.cancel()
        with pytest.raises(asyncio.CancelledError):
            await trial

    asyncio.run(cancel_the_trial())
    assert cb.state == "half_open" and cb.failures == 1
    cb.before_call()


def transitions(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == name and r.levelno == logging.INFO]


def test_transitions_are_logged_on_the_module_logger(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    cb = breaker(clock, threshold=2)
    trip(cb)
    clock.advance(10.0)
    cb.before_call("get_user")
    cb.record_failure()
    clock.advance(10.0)
    cb.before_call("get_user")
    cb.record_success()
    assert transitions(caplog, "agentflow.runtime.circuit_breaker") == [
        "circuit breaker closed -> open: 2 consecutive failure(s); refusing calls for 10.0s",
        "circuit breaker open -> half_open: admitting get_user as the trial call",
        "circuit breaker half_open -> open: 3 consecutive failure(s); refusing calls for 10.0s",
        "circuit breaker open -> half_open: admitting get_user as the trial call",
        "circuit breaker half_open -> closed: a call succeeded",
    ]


def test_transitions_go_to_the_callers_logger_and_steady_state_is_quiet(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    cb = CircuitBreaker(1, 5.0, clock=clock, logger=logging.getLogger("svc.adapter"))
    cb.record_success()
    cb.before_call()
    assert caplog.records == []
    cb.record_failure()
    assert transitions(caplog, "svc.adapter") == [
        "circuit breaker closed -> open: 1 consecutive failure(s); refusing calls for 5.0s"
    ]

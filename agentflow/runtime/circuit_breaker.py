"""A thread-safe circuit breaker that stops calling a service that keeps failing.

    closed ──(failure_threshold consecutive failures)──▶ open
    open ──(reset_timeout elapsed)──▶ half_open
    half_open ──(trial call succeeds)──▶ closed
    half_open ──(trial call fails)──▶ open

Failing fast while a service is down spares it a flood of doomed requests and
spares callers their timeouts; the single trial call in half_open probes for
recovery without releasing the whole backlog at once. Each transition is logged
at INFO, so an operator can tell why calls are being refused.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

from .errors import CircuitOpenError

__all__ = ["CircuitBreaker", "CircuitState"]

CircuitState = Literal["closed", "open", "half_open"]

_LOG = logging.getLogger(__name__)


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures for ``reset_timeout``s.

    The caller asks ``before_call`` and reports each outcome (``record_success``,
    ``record_failure`` or ``release_trial``), so it alone decides what counts as a
    failure. A half-open trial that never reports back frees its slot after
    ``reset_timeout`` so a lost call cannot wedge the breaker. Transitions are
    logged at INFO on ``logger`` (this module's by default).
    """

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be >= 1, got {failure_threshold}")
        if not reset_timeout >= 0:
            raise ValueError(f"reset_timeout must be >= 0, got {reset_timeout}")
        self.failure_threshold = failure_threshold
        self.reset_timeout = float(reset_timeout)
        self._clock = clock
        self._log = _LOG if logger is None else logger
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_started: float | None = None

    def __repr__(self) -> str:
        return (
            f"CircuitBreaker(state={self.state!r}, failures={self.failures}, "
            f"failure_threshold={self.failure_threshold})"
        )

    @property
    def state(self) -> CircuitState:
        """Current state; ``open`` becomes ``half_open`` once reset_timeout passed."""
        with self._lock:
            return self._state(self._clock())

    @property
    def failures(self) -> int:
        """Consecutive failures recorded since the last success."""
        with self._lock:
            return self._failures

    def before_call(self, operation: str | None = None) -> None:
        """Allow the call or raise ``CircuitOpenError``; half_open admits one trial."""
        if self._opened_at is None:
            # Closed: nothing to decide, so no lock. A call racing the one that opens the
            # circuit goes ahead, as it would have a moment earlier.
            return
        with self._lock:
            now = self._clock()
            state = self._state(now)
            if state == "closed":
                return
            if state == "open":
                raise CircuitOpenError(self._remaining(now), operation=operation)
            if self._trial_in_flight(now):
                # The trial's outcome decides; it may close the circuit any moment.
                raise CircuitOpenError(0.0, operation=operation)
            self._trial_started = now
            self._moved(
                "open", "half_open", "admitting %s as the trial call", operation or "a call"
            )

    def record_success(self) -> None:
        """Close the circuit and forget earlier failures."""
        if self._failures == 0 and self._opened_at is None and self._trial_started is None:
            return  # nothing to forget (the common case, so without the lock)
        with self._lock:
            if self._opened_at is not None:
                self._moved(self._state(self._clock()), "closed", "a call succeeded")
            self._failures = 0
            self._opened_at = None
            self._trial_started = None

    def record_failure(self) -> None:
        """Count a failure; open at the threshold, or reopen from half_open."""
        with self._lock:
            now = self._clock()
            state = self._state(now)
            self._failures += 1
            if state == "half_open" or (
                state == "closed" and self._failures >= self.failure_threshold
            ):
                self._opened_at = now
                self._trial_started = None
                self._moved(
                    state,
                    "open",
                    "%d consecutive failure(s); refusing calls for %.1fs",
                    self._failures,
                    self.reset_timeout,
                )

    def release_trial(self) -> None:
        """Free the half-open trial slot after an attempt that ended without a verdict.

        A cancelled or interrupted attempt says nothing about the service; without
        this the next trial would wait for the lost one to time out.
        """
        with self._lock:
            self._trial_started = None

    def _moved(self, old: CircuitState, new: CircuitState, why: str, *args: object) -> None:
        self._log.info("circuit breaker %s -> %s: " + why, old, new, *args)

    def _state(self, now: float) -> CircuitState:
        if self._opened_at is None:
            return "closed"
        if now - self._opened_at >= self.reset_timeout:
            return "half_open"
        return "open"

    def _remaining(self, now: float) -> float:
        """Seconds until the open circuit admits a trial call."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.reset_timeout - now)

    def _trial_in_flight(self, now: float) -> bool:
        started = self._trial_started
        return started is not None and now - started < self.reset_timeout

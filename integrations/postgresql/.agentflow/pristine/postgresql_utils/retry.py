"""Retries with exponential backoff, full jitter and the server's wait hints.

Full jitter (a uniform delay between 0 and the exponential ceiling) spreads the
retries of many clients apart, so a recovering service is not hit in lockstep.
A server's ``Retry-After`` wins over the computed backoff because the server
knows best. A hint longer than the caller will wait must not stall it: ``wait_for``
then says "do not retry" (an early retry would only be refused again), while
``delay`` shortens it to the cap.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

__all__ = [
    "RETRY_STATUSES",
    "RetryPolicy",
    "parse_retry_after",
    "retry_after_from",
    "should_retry_header",
]


# 2 ** 64 times any sane base already exceeds any sane cap; bounding the exponent
# keeps float conversion from overflowing on absurd attempt numbers.
_MAX_EXPONENT = 64

RETRY_STATUSES: frozenset[int] = frozenset({408, 409, 429, 500, 502, 503, 504})
"""HTTP statuses worth another attempt, as openai-python and anthropic-sdk-python retry.

408: the server timed out waiting for the request; 409: a lock or concurrent-update
conflict that clears on its own; 429: rate limited; 500, 502, 503, 504: a transient
server or gateway failure. Other 4xx are the request's fault and fail the same again.
"""


def _non_negative(value: float) -> bool:
    """True for numbers >= 0; False for negatives and NaN."""
    return value >= 0


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts to make and how long to wait between them."""

    max_attempts: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 60.0
    jitter: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        for name in ("backoff_base", "backoff_max", "retry_after_max"):
            if not _non_negative(getattr(self, name)):
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")

    def delay(
        self,
        attempt: int,
        *,
        retry_after: float | None = None,
        rng: random.Random | None = None,
    ) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        The server's hint ``retry_after`` wins over the backoff, capped at
        ``retry_after_max``; ``wait_for`` gives up instead of shortening it.
        """
        if attempt < 1:
            raise ValueError(f"attempt is 1-based, got {attempt}")
        if retry_after is not None:
            return min(retry_after, self.retry_after_max) if retry_after > 0 else 0.0
        exponent = min(attempt - 1, _MAX_EXPONENT)
        ceiling = min(self.backoff_max, math.ldexp(self.backoff_base, exponent))
        if not self.jitter:
            return ceiling
        if rng is None:
            return random.uniform(0.0, ceiling)
        return rng.uniform(0.0, ceiling)

    def wait_for(
        self,
        attempt: int,
        retry_after: float | None = None,
        *,
        rng: random.Random | None = None,
    ) -> float | None:
        """Like ``delay``, but None (do not retry) when ``retry_after`` exceeds the cap.

        A retry sooner than the server asked would only be refused again; the caller
        should surface the error, which carries the hint, and let its caller decide.
        """
        if retry_after is not None and not retry_after <= self.retry_after_max:
            return None
        return self.delay(attempt, retry_after=retry_after, rng=rng)


def parse_retry_after(
    value: str | None, *, now: datetime | None = None
) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait; None when absent or invalid.

    Accepts delta-seconds (``"120"``, leniently ``"1.5"``) and HTTP-dates
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``). Dates in the past give 0.0; negative or
    infinite seconds are invalid.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    seconds = _number(text)
    return _seconds_until(text, now) if seconds is None else seconds


def _seconds_until(http_date: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    current = now or datetime.now(timezone.utc)
    return max(0.0, (_aware(when) - _aware(current)).total_seconds())


def _aware(moment: datetime) -> datetime:
    """Treat naive datetimes as UTC, as HTTP-dates are always GMT."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def retry_after_from(
    headers: Mapping[str, str], *, now: datetime | None = None
) -> float | None:
    """The server's wait hint in seconds, from response headers; None when there is none.

    ``retry-after-ms`` (milliseconds, as OpenAI sends) is the more precise and wins;
    else ``Retry-After`` (see ``parse_retry_after``). Names match in any case. A
    value that is unparsable, negative or not finite counts as absent.
    """
    millis = _number(_header(headers, "retry-after-ms"))
    if millis is not None:
        return millis / 1000
    return parse_retry_after(_header(headers, "retry-after"), now=now)


def should_retry_header(headers: Mapping[str, str]) -> bool | None:
    """The server's explicit verdict ``x-should-retry: true|false``; None when absent or other.

    The server knows whether repeating the request can help, so its verdict overrides
    the status-based guess either way.
    """
    value = (_header(headers, "x-should-retry") or "").strip().lower()
    return {"true": True, "false": False}.get(value)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` (lower case), whatever case ``headers`` uses."""
    return next((value for key, value in headers.items() if key.lower() == name), None)


def _number(text: str | None) -> float | None:
    """``text`` as a finite number >= 0; None when absent, no number, negative or infinite."""
    try:
        value = float(text or "nan")
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None

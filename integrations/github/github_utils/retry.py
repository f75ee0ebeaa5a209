"""Retries with exponential backoff, full jitter and ``Retry-After`` support.

Full jitter (a uniform delay between 0 and the exponential ceiling) spreads the
retries of many clients apart, so a recovering service is not hit in lockstep.
A server's ``Retry-After`` wins over the computed backoff because the server
knows best, but it is capped so a hostile or buggy value cannot stall a caller.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

__all__ = ["RetryPolicy", "parse_retry_after"]

# 2 ** 64 times any sane base already exceeds any sane cap; bounding the exponent
# keeps float conversion from overflowing on absurd attempt numbers.
_MAX_EXPONENT = 64


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
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
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


def parse_retry_after(
    value: str | None, *, now: datetime | None = None
) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait; None when absent or invalid.

    Accepts delta-seconds (``"120"``, leniently ``"1.5"``) and HTTP-dates
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``). Dates in the past give 0.0.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


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

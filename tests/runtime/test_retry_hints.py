"""The server's retry hints: wait headers, its explicit verdict, and the retryable statuses."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from agentflow.runtime import RETRY_STATUSES, retry_after_from, should_retry_header

NOW = datetime(2015, 10, 21, 7, 28, 0, tzinfo=timezone.utc)


def test_retry_statuses_are_the_transient_ones() -> None:
    assert isinstance(RETRY_STATUSES, frozenset)
    assert sorted(RETRY_STATUSES) == [408, 409, 429, 500, 502, 503, 504]
    assert not RETRY_STATUSES & {400, 401, 403, 404, 422, 501}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1250", "retry-after": "2"}, 1.25),
        ({"Retry-After-Ms": "0.5"}, 0.0005),
        ({"RETRY-AFTER": "7"}, 7.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT"}, 30.0),
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),
        ({"retry-after-ms": "-1", "retry-after": "3"}, 3.0),
        ({"retry-after-ms": "inf", "retry-after": "3"}, 3.0),
    ],
)
def test_retry_after_from_prefers_milliseconds_then_seconds_or_date(
    headers: dict[str, str], expected: float
) -> None:
    assert retry_after_from(headers, now=NOW) == pytest.approx(expected)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"content-type": "application/json"},
        {"retry-after": "later"},
        {"retry-after": "-5"},
        {"retry-after": "nan"},
        {"retry-after-ms": "nan"},
        {"retry-after-ms": "-20", "retry-after": "-1"},
    ],
)
def test_retry_after_from_without_a_usable_hint_is_none(headers: dict[str, str]) -> None:
    assert retry_after_from(headers, now=NOW) is None


def test_retry_after_from_reads_httpx_headers() -> None:
    response = httpx.Response(429, headers=[("Retry-After", "4"), ("Retry-After-MS", "4200")])
    assert retry_after_from(response.headers) == 4.2


@pytest.mark.parametrize(
    ("value", "verdict"),
    [("true", True), ("false", False), (" TRUE ", True), ("False", False)],
)
def test_should_retry_header_is_the_servers_verdict(value: str, verdict: bool) -> None:
    assert should_retry_header({"X-Should-Retry": value}) is verdict
    assert should_retry_header(httpx.Headers({"x-should-retry": value})) is verdict


@pytest.mark.parametrize("headers", [{}, {"x-should-retry": "maybe"}, {"x-should-retry": ""}])
def test_should_retry_header_absent_or_other_is_none(headers: dict[str, str]) -> None:
    assert should_retry_header(headers) is None

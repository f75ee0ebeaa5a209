"""The helpers log like a library: nothing shows until the application configures logging."""

from __future__ import annotations

import logging
import subprocess
import sys

import agentflow.runtime as utils

from .test_contract import UTILS_DIR

LOGGERS = ("circuit_breaker", "rate_limiter")


def test_only_the_package_logger_has_a_handler_and_it_is_null() -> None:
    assert [type(h) for h in logging.getLogger(utils.__name__).handlers] == [logging.NullHandler]
    for name in LOGGERS:
        assert logging.getLogger(f"{utils.__name__}.{name}").handlers == []


PROBE = """
import logging, sys
sys.path.insert(0, sys.argv[1])
from runtime import CircuitBreaker, RateLimiter

breaker = CircuitBreaker(1, 0.0)
breaker.record_failure()
breaker.before_call("probe")
breaker.record_success()
bucket = RateLimiter(1000.0, capacity=1)
bucket.acquire()
bucket.acquire()
print("configured")
logging.basicConfig(level=logging.INFO, format="%(name)s %(message)s")
breaker.record_failure()
"""


def test_nothing_is_printed_until_logging_is_configured() -> None:
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, str(UTILS_DIR.parent)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == "configured\n"
    assert result.stderr == (
        "runtime.circuit_breaker circuit breaker closed -> open: "
        "1 consecutive failure(s); refusing calls for 0.0s\n"
    )

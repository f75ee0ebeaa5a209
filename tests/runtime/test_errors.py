"""The integration exception tree and translation of third-party errors."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest

from agentflow.runtime import (
    CircuitOpenError,
    ConfigurationError,
    ErrorHandler,
    IntegrationError,
    MissingSecretError,
    RetryExhaustedError,
    SecretManager,
)


class ServiceUnavailable(IntegrationError):
    """A target class for translation tests."""


class ConnectionFailed(IntegrationError):
    """A more specific target class for translation tests."""


def test_every_error_is_an_integration_error() -> None:
    assert issubclass(ConfigurationError, IntegrationError)
    assert issubclass(MissingSecretError, ConfigurationError)
    assert issubclass(CircuitOpenError, IntegrationError)
    assert issubclass(RetryExhaustedError, IntegrationError)


def test_integration_error_keeps_message_and_operation() -> None:
    exc = IntegrationError("boom", operation="list_repos")
    assert (exc.message, exc.operation, str(exc)) == ("boom", "list_repos", "boom")
    assert "list_repos" in repr(exc)


def test_missing_secret_error_names_the_variable() -> None:
    exc = MissingSecretError("GITHUB_TOKEN")
    assert exc.name == "GITHUB_TOKEN"
    assert str(exc) == (
        "environment variable GITHUB_TOKEN is not set; " "export it before creating the client"
    )


def test_circuit_open_error_reports_when_to_retry() -> None:
    exc = CircuitOpenError(12.5, operation="get_user")
    assert exc.retry_in == 12.5
    assert exc.operation == "get_user"
    assert "get_user" in str(exc) and "12.50s" in str(exc)


def test_retry_exhausted_error_counts_attempts() -> None:
    exc = RetryExhaustedError("gave up", attempts=4, operation="op")
    assert (exc.attempts, exc.operation, str(exc)) == (4, "op", "gave up")


@pytest.mark.parametrize(
    "exc",
    [
        IntegrationError("m", operation="op"),
        MissingSecretError("API_KEY"),
        CircuitOpenError(3.0, operation="op"),
        RetryExhaustedError("m", attempts=2, operation="op"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_survive_pickling(exc: IntegrationError) -> None:
    clone = pickle.loads(pickle.dumps(exc))
    assert type(clone) is type(exc)
    assert vars(clone) == vars(exc)
    assert str(clone) == str(exc)


def make_handler(redact: Callable[[str], str] | None = None) -> ErrorHandler:
    return ErrorHandler(
        {OSError: ServiceUnavailable, ConnectionError: ConnectionFailed},
        redact=redact,
    )


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (ConnectionRefusedError("refused"), ConnectionFailed),
        (ConnectionError("reset"), ConnectionFailed),
        (FileNotFoundError("gone"), ServiceUnavailable),
        (OSError("disk"), ServiceUnavailable),
        (KeyError("k"), IntegrationError),
    ],
)
def test_translate_picks_most_specific_mapped_base(
    raised: BaseException, expected: type[IntegrationError]
) -> None:
    translated = make_handler().translate(raised, operation="fetch")
    assert type(translated) is expected
    assert translated.operation == "fetch"
    assert translated.message.startswith(type(raised).__name__)


def test_translate_message_includes_original_detail() -> None:
    translated = make_handler().translate(ConnectionRefusedError("port 443 refused"))
    assert translated.message == "ConnectionRefusedError: port 443 refused"


def test_translate_message_without_detail_is_the_type_name() -> None:
    assert make_handler().translate(TimeoutError()).message == "TimeoutError"


def test_translate_passes_integration_errors_through() -> None:
    original = ConfigurationError("bad")
    assert make_handler().translate(original) is original


def test_translate_redacts_secrets_from_the_message() -> None:
    secrets = SecretManager({"TOKEN": "s3cr3t-value"})
    secrets.get("TOKEN")
    handler = make_handler(redact=secrets.redact)
    translated = handler.translate(ValueError("bad header: Bearer s3cr3t-value"))
    assert "s3cr3t-value" not in str(translated)
    assert translated.message == "ValueError: bad header: Bearer ***"


def test_wrap_raises_translation_from_original() -> None:
    original = ConnectionResetError("reset by peer")
    with pytest.raises(ConnectionFailed) as info, make_handler().wrap("push"):
        raise original
    assert info.value.__cause__ is original
    assert info.value.operation == "push"


def test_wrap_lets_integration_errors_through_untouched() -> None:
    original = MissingSecretError("API_KEY")
    with pytest.raises(MissingSecretError) as info, make_handler().wrap("push"):
        raise original
    assert info.value is original


def test_wrap_does_not_translate_base_exceptions() -> None:
    with pytest.raises(KeyboardInterrupt), make_handler().wrap():
        raise KeyboardInterrupt


def test_wrap_is_silent_without_errors() -> None:
    with make_handler().wrap("noop"):
        result = 1 + 1
    assert result == 2


def test_mapping_to_class_with_other_signature_is_rejected_up_front() -> None:
    with pytest.raises(TypeError, match="CircuitOpenError"):
        ErrorHandler({OSError: CircuitOpenError})


def test_mapping_to_non_integration_error_is_rejected() -> None:
    with pytest.raises(TypeError, match="not an IntegrationError"):
        ErrorHandler({OSError: ValueError})  # type: ignore[dict-item]

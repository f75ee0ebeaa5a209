"""Offline tests of the Acme Payments Webhooks webhook receiver."""

from __future__ import annotations

import json

import pytest

from acme_payments_webhooks_adapter import (
    EVENTS,
    SECRET_ENV,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOLERANCE_SECONDS,
    WebhookError,
    parse_event,
    sign,
    verify_signature,
)

SECRET = b"test-signing-secret"
NOW = 1_700_000_000
EVENT = min(EVENTS)
PAYLOAD = json.dumps({"id": "evt_1", "type": EVENT}).encode()


def signed_headers(
    payload: bytes = PAYLOAD,
    *,
    secret: bytes = SECRET,
    sent_at: int = NOW,
    event: str = EVENT,
) -> dict[str, str]:
    """Headers the service would send with `payload`."""
    headers = {
        SIGNATURE_HEADER: sign(payload, secret, str(sent_at)),
        TIMESTAMP_HEADER: str(sent_at),
    }
    return headers


def test_accepts_a_correctly_signed_delivery() -> None:
    event = parse_event(PAYLOAD, signed_headers(), secret=SECRET, now=NOW)
    assert event.name == EVENT
    assert event.data["id"] == "evt_1"


def test_header_names_are_case_insensitive() -> None:
    headers = {name.upper(): value for name, value in signed_headers().items()}
    verify_signature(PAYLOAD, headers, secret=SECRET, now=NOW)


def test_rejects_a_tampered_payload() -> None:
    with pytest.raises(WebhookError, match="does not match"):
        verify_signature(PAYLOAD + b" ", signed_headers(), secret=SECRET, now=NOW)


def test_rejects_a_signature_made_with_another_secret() -> None:
    headers = signed_headers(secret=b"someone-else")
    with pytest.raises(WebhookError, match="does not match"):
        verify_signature(PAYLOAD, headers, secret=SECRET, now=NOW)


def test_rejects_a_missing_signature() -> None:
    headers = signed_headers()
    del headers[SIGNATURE_HEADER]
    with pytest.raises(WebhookError, match="missing"):
        verify_signature(PAYLOAD, headers, secret=SECRET, now=NOW)


def test_rejects_a_delivery_outside_the_tolerance() -> None:
    headers = signed_headers(sent_at=NOW - TOLERANCE_SECONDS - 1)
    with pytest.raises(WebhookError, match="replay"):
        verify_signature(PAYLOAD, headers, secret=SECRET, now=NOW)


def test_rejects_a_missing_timestamp() -> None:
    headers = signed_headers()
    del headers[TIMESTAMP_HEADER]
    with pytest.raises(WebhookError, match="Unix time"):
        verify_signature(PAYLOAD, headers, secret=SECRET, now=NOW)


def test_rejects_an_unknown_event() -> None:
    payload = json.dumps({"id": "evt_2", "type": "not-an-event"}).encode()
    headers = signed_headers(payload, event="not-an-event")
    with pytest.raises(WebhookError, match="unexpected event"):
        parse_event(payload, headers, secret=SECRET, now=NOW)


def test_rejects_a_body_that_is_not_json() -> None:
    with pytest.raises(WebhookError, match="not valid JSON"):
        parse_event(b"{", signed_headers(b"{"), secret=SECRET, now=NOW)


def test_reads_the_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET.decode())
    verify_signature(PAYLOAD, signed_headers(), now=NOW)


def test_a_missing_secret_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(WebhookError, match=SECRET_ENV):
        verify_signature(PAYLOAD, signed_headers(), now=NOW)

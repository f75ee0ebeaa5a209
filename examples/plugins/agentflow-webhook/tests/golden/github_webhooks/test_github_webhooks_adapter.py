"""Offline tests of the GitHub Webhooks webhook receiver."""

from __future__ import annotations

import json

import pytest

from github_webhooks_adapter import (
    EVENT_HEADER,
    EVENTS,
    SECRET_ENV,
    SIGNATURE_HEADER,
    WebhookError,
    parse_event,
    sign,
    verify_signature,
)

SECRET = b"test-signing-secret"
EVENT = min(EVENTS)
PAYLOAD = json.dumps({"id": "evt_1", "type": EVENT}).encode()


def signed_headers(
    payload: bytes = PAYLOAD,
    *,
    secret: bytes = SECRET,
    event: str = EVENT,
) -> dict[str, str]:
    """Headers the service would send with `payload`."""
    headers = {SIGNATURE_HEADER: sign(payload, secret)}
    headers[EVENT_HEADER] = event
    return headers


def test_accepts_a_correctly_signed_delivery() -> None:
    event = parse_event(PAYLOAD, signed_headers(), secret=SECRET)
    assert event.name == EVENT
    assert event.data["id"] == "evt_1"


def test_header_names_are_case_insensitive() -> None:
    headers = {name.upper(): value for name, value in signed_headers().items()}
    verify_signature(PAYLOAD, headers, secret=SECRET)


def test_rejects_a_tampered_payload() -> None:
    with pytest.raises(WebhookError, match="does not match"):
        verify_signature(PAYLOAD + b" ", signed_headers(), secret=SECRET)


def test_rejects_a_signature_made_with_another_secret() -> None:
    headers = signed_headers(secret=b"someone-else")
    with pytest.raises(WebhookError, match="does not match"):
        verify_signature(PAYLOAD, headers, secret=SECRET)


def test_rejects_a_missing_signature() -> None:
    headers = signed_headers()
    del headers[SIGNATURE_HEADER]
    with pytest.raises(WebhookError, match="missing"):
        verify_signature(PAYLOAD, headers, secret=SECRET)


def test_rejects_an_unknown_event() -> None:
    payload = json.dumps({"id": "evt_2", "type": "not-an-event"}).encode()
    headers = signed_headers(payload, event="not-an-event")
    with pytest.raises(WebhookError, match="unexpected event"):
        parse_event(payload, headers, secret=SECRET)


def test_rejects_a_body_that_is_not_json() -> None:
    with pytest.raises(WebhookError, match="not valid JSON"):
        parse_event(b"{", signed_headers(b"{"), secret=SECRET)


def test_reads_the_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET.decode())
    verify_signature(PAYLOAD, signed_headers())


def test_a_missing_secret_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(WebhookError, match=SECRET_ENV):
        verify_signature(PAYLOAD, signed_headers())

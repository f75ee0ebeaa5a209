"""The real-service gate: skip on a developer's machine, fail under CI."""

from __future__ import annotations

import socket

import pytest
from services import Service, require


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_missing_service_skips_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    missing = Service("Nothing", _closed_port(), "tcp://127.0.0.1")
    with pytest.raises(pytest.skip.Exception, match="Nothing is not running on 127.0.0.1"):
        require(missing)


def test_a_missing_service_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    missing = Service("Nothing", _closed_port(), "tcp://127.0.0.1")
    with pytest.raises(pytest.fail.Exception, match="CI must run every real-service test"):
        require(missing)


def test_a_listening_service_is_returned() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        here = Service("Here", int(server.getsockname()[1]), "tcp://127.0.0.1")
        assert require(here) is here

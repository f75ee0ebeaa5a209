"""The fault tests' set-up: a loopback proxy between the adapter and the real service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tcp_proxy import TcpProxy


@pytest.fixture
def proxy_factory() -> Iterator[Any]:
    """Start proxies to loopback ports; every one is closed when the test ends."""
    started: list[TcpProxy] = []

    def start(port: int) -> TcpProxy:
        proxy = TcpProxy(port)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.close()

"""A loopback TCP proxy the fault tests put between a client and a real service.

Every accepted connection is paired with one to the service and copied both ways by two
threads. `cut()` resets every live pair at once, as a failed network or a restarted server
would; `cut_at(marker)` cuts the connection whose client next sends `marker` (`COMMIT`),
either before the server gets it or after the server answered, the answer lost, so a test
can make a commit fail at a chosen side of the server's decision.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

__all__ = ["TcpProxy"]

_LINGER_RESET = struct.pack("ii", 1, 0)  # close() sends RST instead of a FIN


@dataclass
class _Pair:
    """One client connection and its connection to the service."""

    client: socket.socket
    server: socket.socket
    drop_replies: bool = False
    closed: threading.Event = field(default_factory=threading.Event)

    def reset(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for sock in (self.client, self.server):
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


@dataclass
class _Trap:
    """Cut the connection whose client sends `marker`; `deliver` lets the server get it."""

    marker: bytes
    deliver: bool
    sprung: threading.Event = field(default_factory=threading.Event)


class TcpProxy:
    """Listens on 127.0.0.1 (a free port) and forwards to `host:port`; a context manager."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._pairs: list[_Pair] = []
        self._lock = threading.Lock()
        self._trap: _Trap | None = None
        self._stopped = False
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def cut(self) -> int:
        """Reset every live connection (new ones are still accepted); how many were cut."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        live = [pair for pair in pairs if not pair.closed.is_set()]
        for pair in live:
            pair.reset()
        return len(live)

    def cut_at(self, marker: bytes, *, deliver: bool) -> threading.Event:
        """Cut the next connection whose client sends `marker`: with `deliver`, after the
        server answered (the answer dropped), else before the server sees it. The event
        returned is set once the trap has sprung."""
        trap = _Trap(marker, deliver)
        self._trap = trap
        return trap.sprung

    def close(self) -> None:
        """Stop listening and reset every connection."""
        self._stopped = True
        self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            for sock in (client, server):  # forward each small message at once, as loopback does
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = _Pair(client, server)
            with self._lock:
                self._pairs.append(pair)
            for upstream in (True, False):
                threading.Thread(
                    target=self._pump, args=(pair, upstream), name="proxy-pump", daemon=True
                ).start()

    def _pump(self, pair: _Pair, upstream: bool) -> None:
        source, sink = (pair.client, pair.server) if upstream else (pair.server, pair.client)
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if pair.closed.is_set():
                    return
                if upstream and not self._forward_upstream(pair, data):
                    return
                if not upstream and pair.drop_replies:
                    pair.reset()
                    return
                sink.sendall(data)
        except OSError:
            pass
        pair.reset()

    def _forward_upstream(self, pair: _Pair, data: bytes) -> bool:
        """Whether `data` goes on to the server; springs a trap whose marker it holds."""
        trap = self._trap
        if trap is None or trap.marker not in data:
            return True
        self._trap = None
        trap.sprung.set()
        if trap.deliver:
            pair.drop_replies = True
            return True
        pair.reset()
        return False

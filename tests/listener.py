"""A loopback TCP listener for tests: counts the connections it receives and keeps their data."""

from __future__ import annotations

import socket
import threading
from contextlib import suppress


class Listener:
    """A TCP server on 127.0.0.1 from its creation until `close()` (or the end of a `with`).

    `connections` counts the connections accepted; `received` holds what each one sent, once
    its sender closes it (or stays silent for two seconds).
    """

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.05)
        self.port: int = self.server.getsockname()[1]
        self.connections = 0
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(2)
                chunks = []
                with suppress(OSError):  # a silent or reset sender: keep what came
                    while chunk := conn.recv(65536):
                        chunks.append(chunk)
                self.received.append(b"".join(chunks))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

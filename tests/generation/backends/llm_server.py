"""A fake model provider: a real HTTP server on 127.0.0.1 that speaks both chat protocols.

OpenAI Chat Completions is served at `/v1/chat/completions` (point a client at
`server.openai_base_url`) and Anthropic Messages at `/v1/messages` (`server.anthropic_base_url`),
each with its provider's status codes, JSON bodies, error bodies and headers. Tests script the
replies per path, in order; when a path's queue is empty, `server.default` (`ok("ok")`) answers.

    from generation.backends.llm_server import OPENAI_PATH, FakeLLMServer, ok, status
    from generation.backends.llm_server import llm_server_fixture  # noqa: F401  (the fixture)

    def test_retry(llm_server: FakeLLMServer) -> None:
        llm_server.script(OPENAI_PATH, status(429, retry_after=2), ok("done"))
        ...
        assert [r.path for r in llm_server.requests] == [OPENAI_PATH] * 2

Replies (from `llm_replies`, re-exported here): `ok(text, input_tokens=, output_tokens=)`,
`status(code, retry_after=, retry_after_ms=, message=)`, `delay(seconds, text)`, `drop()`,
`html(code)`, `truncated_json()`, `finish_length(text)`, `refusal(text)`, `content_filter()`;
`with_usage(reply, usage)` replaces a completion's `usage` with any JSON value (or `MISSING`).

Every request is recorded (`server.requests`) with its path, lower-cased headers (the values
of `authorization` and `x-api-key` masked) and JSON body. Set `server.expected_key` to make the
server answer 401 in the provider's format to any other key, as a real provider does.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .llm_replies import (
    ANTHROPIC_PATH,
    MISSING,
    OPENAI_PATH,
    Answer,
    Reply,
    content_filter,
    delay,
    drop,
    finish_length,
    html,
    ok,
    refusal,
    render,
    status,
    truncated_json,
    with_usage,
)

__all__ = [
    "ANTHROPIC_PATH",
    "MASK",
    "MISSING",
    "OPENAI_PATH",
    "FakeLLMServer",
    "RecordedRequest",
    "Reply",
    "content_filter",
    "delay",
    "drop",
    "finish_length",
    "html",
    "llm_server_fixture",
    "ok",
    "refusal",
    "status",
    "truncated_json",
    "with_usage",
]

MASK = "<masked>"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it, with key values masked."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self.server.fake.record(RecordedRequest("POST", self.path, self._headers(), body))
        reply, answer = self.server.fake.answer_for(self.path, dict(self.headers.items()), body)
        time.sleep(reply.delay)
        if reply.kind == "drop":
            self.close_connection = True
            return
        self._send(answer)

    def _headers(self) -> dict[str, str]:
        headers = {k.lower(): v for k, v in self.headers.items()}
        if "authorization" in headers:
            scheme = headers["authorization"].split(" ", 1)[0]
            headers["authorization"] = f"{scheme} {MASK}"
        if "x-api-key" in headers:
            headers["x-api-key"] = MASK
        return headers

    def _send(self, answer: Answer) -> None:
        try:
            self.send_response(answer.code)
            self.send_header("content-type", answer.content_type)
            self.send_header("content-length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:  # the client gave up (timed out) before the answer was ready
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        """Keep test output quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeLLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-answer is expected here, not worth a traceback."""


class FakeLLMServer:
    """The fake provider; use as a context manager or through the `llm_server` fixture."""

    def __init__(self) -> None:
        self.default = ok("ok")
        self.expected_key: str | None = None
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Reply]] = {}
        self._requests: list[RecordedRequest] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`, the server's root."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def openai_base_url(self) -> str:
        """The `base_url` for an OpenAI-protocol client."""
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """The `base_url` for an Anthropic-protocol client."""
        return self.url

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def script(self, path: str, *replies: Reply) -> None:
        """Queue `replies` for `path`; each request takes the next one."""
        with self._lock:
            self._queues.setdefault(path, deque()).extend(replies)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def answer_for(self, path: str, headers: dict[str, str], body: Any) -> tuple[Reply, Answer]:
        """The next scripted reply for `path`, unless the request itself is rejected."""
        rejection = self._reject(path, {k.lower(): v for k, v in headers.items()}, body)
        if rejection is not None:
            return Reply("status", code=rejection.code), rejection
        with self._lock:
            queue = self._queues.get(path)
            reply = queue.popleft() if queue else self.default
        return reply, render(path, reply, body)

    def _reject(self, path: str, headers: dict[str, str], body: Any) -> Answer | None:
        """What a real provider refuses before looking at the request's content."""
        if path not in (OPENAI_PATH, ANTHROPIC_PATH):
            return render(path, status(404, message=f"unknown path {path}"), {})
        if not isinstance(body, dict):
            return render(path, status(400, message="body is not a JSON object"), {})
        if path == ANTHROPIC_PATH and "anthropic-version" not in headers:
            return render(path, status(400, message="anthropic-version header is required"), {})
        if self.expected_key is None:
            return None
        sent = headers.get("x-api-key") if path == ANTHROPIC_PATH else headers.get("authorization")
        wanted = self.expected_key if path == ANTHROPIC_PATH else f"Bearer {self.expected_key}"
        return None if sent == wanted else render(path, status(401, message="bad key"), {})

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(name="llm_server")
def llm_server_fixture() -> Iterator[FakeLLMServer]:
    """A running `FakeLLMServer`, stopped after the test."""
    with FakeLLMServer() as server:
        yield server

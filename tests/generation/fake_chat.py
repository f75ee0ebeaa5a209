"""In-process `ChatClient`s scripted per call, for the model backend tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from agentflow.build import IntegrationBuilder, IntegrationPackage
from agentflow.generation.backends.llm import ChatRequest, ChatResponse
from agentflow.generation.orchestrator import SmartOrchestrator

REQUIREMENTS: dict[str, Any] = {
    "base_url": "https://api.github.com",
    "auth": {"type": "bearer"},
    "endpoints": [
        {"name": "get_user", "method": "GET", "path": "/users/{username}"},
        {"name": "list_repos", "method": "GET", "path": "/users/{username}/repos"},
    ],
}

Answer = Callable[[ChatRequest], str]


def rendered_file(request: ChatRequest) -> str:
    """The file the prompt asks to improve."""
    current = request.prompt.split("Current file:\n", 1)[1]
    return current.split("\n\nYour previous answer was rejected", 1)[0]


def improved(request: ChatRequest) -> str:
    """A harmless improvement of the rendered file."""
    note = "# Reviewed for the GitHub service." if ".py (" in request.prompt else "More notes."
    return f"{rendered_file(request).rstrip()}\n\n{note}\n"


def target(request: ChatRequest) -> str:
    """The path of the file a prompt is about."""
    return request.prompt.split("File to improve: ", 1)[1].split(" ", 1)[0]


class FakeChat:
    """Answers with `answer(request)`; records requests and the highest concurrency seen."""

    def __init__(
        self, provider: str = "openai", answer: Answer = improved, latency: float = 0.0
    ) -> None:
        self.provider = provider
        self.answer = answer
        self.latency = latency
        self.requests: list[ChatRequest] = []
        self.max_active = 0
        self._active = 0
        self._lock = threading.Lock()

    def complete(self, request: ChatRequest) -> ChatResponse:
        with self._lock:
            self.requests.append(request)
            self._active += 1
            self.max_active = max(self.max_active, self._active)
        try:
            time.sleep(self.latency)
            text = self.answer(request)
        finally:
            with self._lock:
                self._active -= 1
        return ChatResponse(text, request.model, input_tokens=1000, output_tokens=500)

    def targets(self) -> list[str]:
        return [target(r) for r in self.requests]


def build(orchestrator: SmartOrchestrator) -> IntegrationPackage:
    """The GitHub package built with `orchestrator`, without running its checks."""
    builder = IntegrationBuilder(orchestrator, validate=False)
    return builder.build_integration("GitHub", "api", REQUIREMENTS)


def template_files() -> dict[str, str]:
    return build(SmartOrchestrator("template")).files

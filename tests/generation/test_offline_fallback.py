"""With fallback, a provider without a key or that cannot be reached is skipped, once.

The guide's quick start asks for `SmartOrchestrator(provider='deepseek', enable_fallback=True)`;
offline and without `DEEPSEEK_API_KEY` it must build the template package, warn once naming the
variable, and record in metadata.json which backend produced each file. An unreachable provider
(a loopback port nothing listens on) is tried once, then skipped for every other file and build.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentflow.errors import BackendError, LLMError
from agentflow.generation.backends.enrich import ENRICHED_SUBTASKS
from agentflow.generation.backends.providers import make_client
from agentflow.generation.orchestrator import SmartOrchestrator
from agentflow.patterns.base import STANDARD_SUBTASKS
from agentflow.runtime.retry import RetryPolicy

from .backend_cli import invoke, metadata, workdir_fixture  # noqa: F401
from .fake_chat import FakeChat, build, template_files

ENRICHED = {s.output_path("github") for s in STANDARD_SUBTASKS if s.id in ENRICHED_SUBTASKS}
PLAIN = {s.output_path("github") for s in STANDARD_SUBTASKS} - ENRICHED
PROVIDER_VARIABLES = ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """No provider key or address from the machine; agentflow's warnings captured."""
    for name in PROVIDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    caplog.set_level(logging.WARNING, logger="agentflow")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening, so connecting to it is refused."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


class CountingTransport(httpx.HTTPTransport):
    """The real transport, counting the requests it was asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return super().handle_request(request)


def warnings_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def provenance(files: dict[str, str]) -> dict[str, str]:
    records = json.loads(files["metadata.json"])["files"]
    return {path: str(record["provenance"]) for path, record in records.items()}


def without_metadata(files: dict[str, str]) -> dict[str, str]:
    return {path: text for path, text in files.items() if path != "metadata.json"}


def test_the_quick_start_without_a_deepseek_key_builds_the_templates_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    orchestrator = SmartOrchestrator(
        provider="deepseek", enable_fallback=True, enable_model_selection=True
    )
    first, second = build(orchestrator), build(orchestrator)
    assert warnings_in(caplog) == [
        "deepseek: no API key; set DEEPSEEK_API_KEY or pass api_key; using the template "
        "backend instead, as fallback was asked for"
    ]
    assert without_metadata(first.files) == without_metadata(template_files())
    assert without_metadata(second.files) == without_metadata(first.files)
    assert provenance(second.files) == provenance(first.files)
    recorded = provenance(first.files)
    missing = "auth: deepseek: no API key; set DEEPSEEK_API_KEY or pass api_key)"
    for path in ENRICHED:
        assert recorded[path].startswith("template (fallback after deepseek-"), recorded[path]
        assert recorded[path].endswith(missing), recorded[path]
    assert {recorded[path] for path in PLAIN} == {"template"}
    summary = orchestrator.get_cost_summary()
    assert (summary["total_cost"], summary["model_calls"]) == (0.0, 0)


@pytest.mark.parametrize("enable_fallback", [None, False])
def test_without_fallback_a_missing_deepseek_key_is_an_auth_error(
    enable_fallback: bool | None, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(LLMError, match="set DEEPSEEK_API_KEY") as caught:
        SmartOrchestrator(provider="deepseek", enable_fallback=enable_fallback)
    assert (caught.value.kind, caught.value.exit_code) == ("auth", 2)
    assert warnings_in(caplog) == []


def refusing_client(port: int, transport: CountingTransport) -> dict[str, object]:
    client = make_client(
        "openai",
        base_url=f"http://127.0.0.1:{port}/v1",
        retry=RetryPolicy(max_attempts=1),
        transport=transport,
    )
    return {"openai": client}


@pytest.mark.parametrize("enable_fallback", [True, None])
def test_an_unreachable_provider_is_tried_once_then_skipped_with_one_warning(
    closed_port: int, caplog: pytest.LogCaptureFixture, enable_fallback: bool | None
) -> None:
    transport = CountingTransport()
    with SmartOrchestrator(
        "openai",
        enable_fallback=enable_fallback,
        clients=refusing_client(closed_port, transport),  # type: ignore[arg-type]
        use_cache=False,
    ) as orchestrator:
        first, second = build(orchestrator), build(orchestrator)
    assert transport.sent == 1
    warnings = warnings_in(caplog)
    assert len(warnings) == 1, warnings
    refused = f"openai: cannot connect to 127.0.0.1:{closed_port} (ConnectError"
    assert warnings[0].startswith(refused), warnings
    assert warnings[0].endswith("; using the template backend instead")
    assert without_metadata(first.files) == without_metadata(template_files())
    assert without_metadata(second.files) == without_metadata(first.files)
    assert provenance(second.files) == provenance(first.files)
    recorded = provenance(first.files)
    for path in ENRICHED:
        assert recorded[path].startswith("template (fallback after gpt-4o"), recorded[path]
        assert f"cannot connect to 127.0.0.1:{closed_port}" in recorded[path]
    assert {recorded[path] for path in PLAIN} == {"template"}


def test_an_unreachable_provider_without_fallback_is_an_error_naming_the_address(
    closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    transport = CountingTransport()
    orchestrator = SmartOrchestrator(
        "openai",
        enable_fallback=False,
        clients=refusing_client(closed_port, transport),  # type: ignore[arg-type]
        use_cache=False,
    )
    with pytest.raises(BackendError, match=f"cannot connect to 127.0.0.1:{closed_port}") as caught:
        build(orchestrator)
    assert not isinstance(caught.value, LLMError)
    assert "no provider produced github_adapter.py" in str(caught.value)
    assert warnings_in(caplog) == []


def test_an_unreachable_provider_hands_over_to_the_next_one(
    closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    transport = CountingTransport()
    clients = {**refusing_client(closed_port, transport), "anthropic": FakeChat("anthropic")}
    orchestrator = SmartOrchestrator(
        "openai",
        fallback_providers=("anthropic",),
        clients=clients,  # type: ignore[arg-type]
        use_cache=False,
    )
    recorded = provenance(build(orchestrator).files)
    assert transport.sent == 1
    assert recorded["github_adapter.py"] == "claude-sonnet-4-20250514"
    assert [w.rsplit("; ", 1)[1] for w in warnings_in(caplog)] == ["using anthropic instead"]


def test_the_cli_with_fallback_builds_past_an_unreachable_provider(
    workdir: Path, closed_port: int
) -> None:
    Path("agentflow.toml").write_text("[backend]\nmax_retries = 0\n", "utf-8")
    url = f"http://127.0.0.1:{closed_port}/v1"
    options = ("--backend", "openai", "--base-url", url, "--fallback", "template")
    result = invoke("create", "spec.yaml", *options, "--no-validate")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning:") == 1, result.stderr
    assert f"cannot connect to 127.0.0.1:{closed_port}" in result.stderr
    files = metadata()["files"]
    assert all(str(files[p]["provenance"]).startswith("template (fallback after") for p in ENRICHED)
    assert {files[p]["provenance"] for p in PLAIN} == {"template"}

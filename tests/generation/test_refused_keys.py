"""A missing or refused provider key stops a build unless fallback was asked for.

Through the CLI, the fake provider refuses the key with a 401 that quotes its first ten
characters, as OpenAI's "Incorrect API key provided: sk-live-DO****7d" does; no piece of the
key may reach the output, the package, its metadata or the cache. Through the Python API,
in-process clients refuse it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from agentflow.errors import BackendError, LLMError
from agentflow.generation.backends.key_pieces import ProviderKeys
from agentflow.generation.backends.llm import ChatRequest
from agentflow.generation.orchestrator import SmartOrchestrator
from generation.backends.llm_server import (
    FakeLLMServer,
    llm_server_fixture,  # noqa: F401
    status,
)

from .backend_cli import (
    ADAPTER,
    ENRICHED,
    SPEC,
    invoke,
    metadata,
    openai_at,
    workdir_fixture,  # noqa: F401
)
from .fake_chat import FakeChat, build, improved, target

KEY = "sk-live-DOUBTFUL-KEY-4c1d9e7d"
ECHO = f"Incorrect API key provided: {KEY[:10]}****{KEY[-2:]}"
SONNET, HAIKU = "claude-sonnet-4-20250514", "claude-3-5-haiku-latest"
MODELS = dict(zip(ENRICHED, (SONNET, SONNET, HAIKU, HAIKU), strict=True))


def warnings_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def failing(kind: str, provider: str = "anthropic") -> FakeChat:
    def answer(request: ChatRequest) -> str:
        raise LLMError(f"provider said {kind}", kind=kind)

    return FakeChat(provider, answer=answer)


def provenance(files: dict[str, str]) -> dict[str, str]:
    records = json.loads(files["metadata.json"])["files"]
    return {path: record["provenance"] for path, record in records.items()}


@pytest.fixture
def refused(workdir: Path, llm_server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """`OPENAI_API_KEY` is `KEY`, which the provider refuses, quoting its first characters."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    llm_server.default = status(401, message=ECHO)


def leaked(*texts: str) -> list[str]:
    """The texts, and the files under the working folder, holding a piece of the key."""
    keys = ProviderKeys([KEY])
    files = [p for p in Path.cwd().rglob("*") if p.is_file()]
    found = [t for t in texts if keys.leaks(t)]
    return found + [str(p) for p in files if keys.leaks(p.read_text("utf-8", errors="replace"))]


def test_a_refused_key_is_exit_2_naming_the_variable_and_writes_nothing(
    refused: None, llm_server: FakeLLMServer
) -> None:
    result = invoke("create", "spec.yaml", *openai_at(llm_server))
    assert result.exit_code == 2, result.output
    assert "the key from OPENAI_API_KEY was refused" in result.stderr
    assert "--fallback template" in result.stderr
    assert "Incorrect API key provided: [redacted]" in result.stderr
    assert "Traceback" not in result.output
    assert not Path("integrations").exists()
    assert leaked(result.output) == []


def test_a_refused_key_as_json_is_exit_2_without_a_piece_of_the_key(
    refused: None, llm_server: FakeLLMServer
) -> None:
    result = invoke("create", "spec.yaml", *openai_at(llm_server), "--json")
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert (error["type"], error["exit_code"]) == ("LLMError", 2)
    assert "OPENAI_API_KEY was refused" in error["message"]
    assert leaked(result.output) == []


@pytest.mark.parametrize("asked", ["option", "config file"])
def test_with_fallback_asked_a_refused_key_keeps_the_templates_and_says_so_once(
    refused: None, llm_server: FakeLLMServer, asked: str
) -> None:
    if asked == "option":
        options: tuple[str, ...] = ("--fallback", "template")
    else:
        Path("agentflow.toml").write_text('[backend]\nfallback = ["template"]\n', "utf-8")
        options = ()
    result = invoke(
        "create", "spec.yaml", *openai_at(llm_server), *options, "--json", "--no-validate"
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning:") == 1, result.stderr
    assert "the key from OPENAI_API_KEY was refused" in result.stderr
    records = metadata()["files"]
    for path in ENRICHED:
        provenance = str(records[path]["provenance"])
        assert provenance.startswith("template (fallback after gpt-4o"), provenance
        assert provenance.endswith("the key from OPENAI_API_KEY was refused)"), provenance
    assert json.loads(result.stdout)["status"] == "created"
    assert leaked(result.output) == []


def test_with_fallback_asked_a_missing_key_keeps_the_templates_and_says_so_once(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    result = invoke(
        "create", "spec.yaml", "--backend", "anthropic", "--fallback", "template", "--no-validate"
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning:") == 1, result.stderr
    assert "set ANTHROPIC_API_KEY" in result.stderr
    adapter = metadata()["files"][ADAPTER]
    assert str(adapter["provenance"]).startswith(
        "template (fallback after claude-sonnet-4-20250514: auth: anthropic: no API key; "
        "set ANTHROPIC_API_KEY"
    )
    assert metadata()["build_metrics"]["total_cost"] == 0


def test_update_with_a_refused_key_is_exit_2_and_changes_nothing(
    refused: None, llm_server: FakeLLMServer
) -> None:
    assert invoke("create", "spec.yaml", "--no-validate").exit_code == 0
    package = Path("integrations/github")
    before = {p: p.read_bytes() for p in package.rglob("*") if p.is_file()}
    result = invoke("update", str(package), *openai_at(llm_server), "--no-validate")
    assert result.exit_code == 2, result.output
    assert "OPENAI_API_KEY was refused" in result.stderr
    assert {p: p.read_bytes() for p in package.rglob("*") if p.is_file()} == before
    assert leaked(result.output) == []


def test_batch_with_jobs_exits_2_when_the_key_is_refused_in_every_worker(
    refused: None, llm_server: FakeLLMServer
) -> None:
    Path("gitlab.yaml").write_text(SPEC.replace("GitHub", "GitLab"), "utf-8")
    result = invoke(
        "create", "spec.yaml", "gitlab.yaml", *openai_at(llm_server), "--jobs", "2", "--json"
    )
    assert result.exit_code == 2, result.output
    assert "OPENAI_API_KEY was refused" in result.stdout
    assert not Path("integrations").exists()
    assert leaked(result.output) == []


def test_a_batch_shows_the_workers_fallback_warning_once(
    refused: None, llm_server: FakeLLMServer
) -> None:
    Path("gitlab.yaml").write_text(SPEC.replace("GitHub", "GitLab"), "utf-8")
    result = invoke(
        "create",
        "spec.yaml",
        "gitlab.yaml",
        *openai_at(llm_server),
        *("--fallback", "template", "--jobs", "2", "--json", "--no-validate"),
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "OPENAI_API_KEY" in line]
    assert warnings == [line for line in warnings if line.startswith("warning: ")], warnings
    assert len(warnings) == 1, result.stderr
    assert leaked(result.output) == []


@pytest.mark.parametrize("enable_fallback", [None, False])
def test_a_refused_key_stops_the_build_unless_fallback_was_asked_for(
    enable_fallback: bool | None,
) -> None:
    orchestrator = SmartOrchestrator(
        "anthropic",
        enable_fallback=enable_fallback,
        clients={"anthropic": failing("auth")},
        use_cache=False,
    )
    with pytest.raises(LLMError, match="provider said auth") as caught:
        build(orchestrator)
    assert (caught.value.kind, caught.value.exit_code) == ("auth", 2)
    assert "enable_fallback=True" in str(caught.value)


def test_with_fallback_asked_a_refused_key_warns_once_and_is_recorded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="agentflow")
    orchestrator = SmartOrchestrator(
        "anthropic", enable_fallback=True, clients={"anthropic": failing("auth")}, use_cache=False
    )
    package = build(orchestrator)
    assert len(warnings_in(caplog)) == 1 and "provider said auth" in warnings_in(caplog)[0]
    recorded = provenance(package.files)
    for path, model in MODELS.items():
        assert recorded[path] == f"template (fallback after {model}: auth: provider said auth)"


def test_a_refused_key_moves_on_to_the_fallback_provider(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="agentflow")
    clients = {"anthropic": failing("auth"), "openai": FakeChat("openai")}
    orchestrator = SmartOrchestrator(
        "anthropic", fallback_providers=("openai",), clients=clients, use_cache=False
    )
    assert provenance(build(orchestrator).files)[ADAPTER] == "gpt-4o"
    assert len(warnings_in(caplog)) == 1


def test_without_template_fallback_only_refused_keys_everywhere_are_an_auth_error() -> None:
    refused = {"anthropic": failing("auth"), "openai": failing("auth", "openai")}
    options = {"enable_fallback": False, "fallback_providers": ("openai",), "use_cache": False}
    with pytest.raises(LLMError, match="no provider produced") as caught:
        build(SmartOrchestrator("anthropic", clients=refused, **options))  # type: ignore[arg-type]
    assert caught.value.kind == "auth"
    mixed = {"anthropic": failing("auth"), "openai": FakeChat("openai", answer=lambda r: "x")}
    with pytest.raises(BackendError, match="rejected") as other:
        build(SmartOrchestrator("anthropic", clients=mixed, **options))  # type: ignore[arg-type]
    assert not isinstance(other.value, LLMError)


def test_a_missing_key_stops_the_build_unless_fallback_was_asked_for(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(LLMError, match="set OPENAI_API_KEY") as caught:
        SmartOrchestrator("openai", use_cache=False)
    assert caught.value.exit_code == 2
    caplog.set_level(logging.WARNING, logger="agentflow")
    orchestrator = SmartOrchestrator("openai", enable_fallback=True, use_cache=False)
    package = build(orchestrator)
    assert len(warnings_in(caplog)) == 1 and "set OPENAI_API_KEY" in warnings_in(caplog)[0]
    assert provenance(package.files)[ADAPTER] == (
        "template (fallback after gpt-4o: auth: openai: no API key; set OPENAI_API_KEY or pass "
        "api_key)"
    )
    assert orchestrator.get_cost_summary()["model_calls"] == 0


def test_provider_text_reaches_provenance_and_errors_without_a_piece_of_a_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    keys = ProviderKeys([KEY])

    def echoing(request: ChatRequest) -> str:
        if target(request) == ADAPTER:
            raise LLMError(f"slow down, {KEY[:12]}...", kind="rate_limit")
        return f"{improved(request)}\nSee https://example.invalid/{KEY[-9:]}\n"

    package = build(
        SmartOrchestrator("openai", clients={"openai": FakeChat(answer=echoing)}, use_cache=False)
    )
    recorded = provenance(package.files)
    assert (
        recorded[ADAPTER]
        == "template (fallback after gpt-4o: rate_limit: slow down, [redacted]...)"
    )
    assert all(recorded[path].startswith("template (fallback after") for path in ENRICHED[1:])
    assert not keys.leaks(package.files["metadata.json"])
    with pytest.raises(BackendError) as caught:
        build(
            SmartOrchestrator(
                "openai",
                enable_fallback=False,
                clients={"openai": FakeChat(answer=echoing)},
                use_cache=False,
            )
        )
    assert "[redacted]" in str(caught.value) and not keys.leaks(str(caught.value))

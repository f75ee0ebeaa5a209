"""`create --backend` end to end through the fake provider server, and the config file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from backends.llm_server import (
    OPENAI_PATH,
    FakeLLMServer,
    llm_server_fixture,  # noqa: F401
    ok,
)
from click.testing import CliRunner

from agentflow.cli import main
from agentflow.errors import InputError
from agentflow.orchestration.backends import load_backends
from agentflow.settings import BackendSettings, load_backend_settings

from .fake_chat import template_files

SPEC = """\
service: GitHub
type: api
requirements:
  base_url: https://api.github.com
  auth: {type: bearer}
  endpoints:
    - {name: get_user, method: GET, path: "/users/{username}"}
    - {name: list_repos, method: GET, path: "/users/{username}/repos"}
"""
ADAPTER = "github_adapter.py"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENTFLOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.delenv("AGENTFLOW_CONFIG", raising=False)
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    return tmp_path


def create(*args: str) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(main, ["integrate", "create", "spec.yaml", "--force", *args])
    assert result.exit_code == 0, result.output
    metadata = Path("integrations/github/metadata.json").read_text(encoding="utf-8")
    files: dict[str, dict[str, object]] = json.loads(metadata)["files"]
    return files


def test_create_with_a_provider_over_http(workdir: Path, llm_server: FakeLLMServer) -> None:
    enriched = template_files()[ADAPTER] + "\n# Reviewed for the GitHub service.\n"
    llm_server.script(OPENAI_PATH, ok(enriched, input_tokens=4000, output_tokens=3000))
    files = create("--backend", "openai", "--base-url", llm_server.openai_base_url, "--no-validate")
    assert files[ADAPTER]["provenance"] == "gpt-4o"
    assert files[ADAPTER]["tokens"] == 7000
    assert str(files["examples.py"]["provenance"]).startswith(
        "template (fallback after gpt-4o-mini"
    )
    assert "Reviewed for the GitHub" in Path("integrations/github", ADAPTER).read_text("utf-8")
    first_calls = len(llm_server.requests)
    assert first_calls == 1 + 3 * 3  # the adapter once, three files rejected three times each
    create("--backend", "openai", "--base-url", llm_server.openai_base_url, "--no-validate")
    assert len(llm_server.requests) == first_calls


def test_config_file_supplies_the_backend(workdir: Path, llm_server: FakeLLMServer) -> None:
    (workdir / "agentflow.toml").write_text(
        f'[backend]\nname = "openai"\nbase_url = "{llm_server.openai_base_url}"\n'
        'model = "gpt-4.1"\nmax_cost = 0.5\n',
        encoding="utf-8",
    )
    assert load_backend_settings() == BackendSettings(
        "openai", "gpt-4.1", llm_server.openai_base_url, 0.5
    )
    files = create("--no-validate")
    assert "gpt-4.1" in str(files[ADAPTER]["provenance"])
    assert {r.body["model"] for r in llm_server.requests} == {"gpt-4.1"}


def test_command_line_wins_over_the_config_file(workdir: Path) -> None:
    (workdir / "agentflow.toml").write_text('[backend]\nname = "openai"\n', encoding="utf-8")
    files = create("--backend", "template", "--no-validate")
    assert files[ADAPTER]["provenance"] == "template"


@pytest.mark.parametrize(
    "text", ['[backend]\nmax_cost = "a lot"\n', "[backend]\nmodle = 'x'\n", "not toml ["]
)
def test_bad_config_file_is_an_input_error(workdir: Path, text: str) -> None:
    (workdir / "agentflow.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="agentflow.toml"):
        load_backend_settings()


def test_backend_plugins_come_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    plugin = EntryPoint(
        "echo", "agentflow.orchestration.backends.template:TemplateBackend", "agentflow.backends"
    )
    monkeypatch.setattr("agentflow.orchestration.backends.entry_points", lambda group: [plugin])
    assert set(load_backends()) == {"template", "echo"}

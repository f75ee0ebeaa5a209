"""Running `agentflow integrate` with a model backend in a private folder, for CLI tests.

    from .backend_cli import workdir_fixture  # noqa: F401  (the `workdir` fixture)

`workdir` changes into a temporary folder holding `spec.yaml` (the GitHub example), with its
own response cache, no `agentflow.toml` and `OPENAI_API_KEY=sk-test`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from agentflow.cli import main
from generation.backends.llm_server import FakeLLMServer

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
ENRICHED = (ADAPTER, "test_github_adapter.py", "GITHUB_INTEGRATION.md", "examples.py")


@pytest.fixture(name="workdir")
def workdir_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary working folder with `spec.yaml`, a private cache and a test key."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENTFLOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.delenv("AGENTFLOW_CONFIG", raising=False)
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    yield tmp_path


def invoke(*args: str) -> Result:
    """`agentflow integrate ARGS…`, with stdout and stderr kept apart."""
    return CliRunner().invoke(main, ["integrate", *args])


def openai_at(server: FakeLLMServer) -> tuple[str, ...]:
    """The options sending the OpenAI backend to the fake provider."""
    return ("--backend", "openai", "--base-url", server.openai_base_url)


def create(*args: str) -> dict[str, dict[str, object]]:
    """`create spec.yaml --force ARGS…`, which must succeed; the files' metadata records."""
    result = invoke("create", "spec.yaml", "--force", *args)
    assert result.exit_code == 0, result.output
    files: dict[str, dict[str, object]] = metadata()["files"]
    return files


def metadata() -> dict[str, Any]:
    """The GitHub package's metadata.json."""
    data: dict[str, Any] = json.loads(
        Path("integrations/github/metadata.json").read_text(encoding="utf-8")
    )
    return data

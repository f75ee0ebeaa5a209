"""`create --backend` end to end through the fake provider server, and the config file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agentflow.cli import main
from agentflow.errors import InputError
from agentflow.generation.backends import load_backends
from agentflow.settings import BackendSettings, load_backend_settings
from generation.backends.llm_server import (
    ANTHROPIC_PATH,
    OPENAI_PATH,
    FakeLLMServer,
    llm_server_fixture,  # noqa: F401
    ok,
    with_usage,
)

from .backend_cli import (
    ADAPTER,
    SPEC,
    create,
    invoke,
    metadata,
    openai_at,
    workdir_fixture,  # noqa: F401
)
from .fake_chat import template_files


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


def test_config_file_sets_fallback_timeout_retries_and_workers(workdir: Path) -> None:
    (workdir / "agentflow.toml").write_text(
        '[backend]\nfallback = ["anthropic", "ollama"]\ntimeout = 30\nmax_retries = 0\n'
        "workers = 2\n",
        encoding="utf-8",
    )
    settings = load_backend_settings()
    assert (settings.fallback, settings.timeout) == (("anthropic", "ollama"), 30.0)
    assert (settings.max_retries, settings.workers) == (0, 2)
    assert isinstance(settings.timeout, float) and isinstance(settings.workers, int)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('max_cost = "a lot"', "max_cost must be a number of USD"),
        ("max_cost = -1", "max_cost must be a number of USD"),
        ("modle = 'x'", "unknown [backend] key(s): modle"),
        ("timeout = 0", "timeout must be between 1 and 3600 seconds"),
        ("timeout = 0.5", "timeout must be between 1 and 3600 seconds"),
        ("timeout = 3600.5", "timeout must be between 1 and 3600 seconds"),
        ("timeout = 1e308", "timeout must be between 1 and 3600 seconds"),
        ("timeout = inf", "timeout must be between 1 and 3600 seconds"),
        ("timeout = true", "timeout must be between 1 and 3600 seconds"),
        ("max_retries = 1.5", "max_retries must be a whole number from 0 to 10"),
        ("max_retries = nan", "max_retries must be a whole number from 0 to 10"),
        ("max_retries = 11", "max_retries must be a whole number from 0 to 10"),
        ("max_retries = -1", "max_retries must be a whole number from 0 to 10"),
        ("workers = 0", "workers must be a whole number from 1 to 32"),
        ("workers = 1000", "workers must be a whole number from 1 to 32"),
        ('fallback = "anthropic"', "fallback must be a list of provider names"),
        ("fallback = [1]", "fallback must be a list of provider names"),
        ("name = 3", "name must be a string"),
        ("not toml [", "cannot read the config file"),
        ('name = "openai"\n[backnd]\nmodel = "x"', "unknown table(s) backnd"),
    ],
)
def test_bad_config_file_is_an_input_error(workdir: Path, text: str, problem: str) -> None:
    (workdir / "agentflow.toml").write_text(f"[backend]\n{text}\n", encoding="utf-8")
    with pytest.raises(InputError, match="agentflow.toml") as caught:
        load_backend_settings()
    assert problem in str(caught.value)


def test_the_limits_themselves_are_allowed(workdir: Path) -> None:
    for timeout, retries in ((1, 0), (3600, 10)):
        text = f"[backend]\ntimeout = {timeout}\nmax_retries = {retries}\n"
        (workdir / "agentflow.toml").write_text(text, encoding="utf-8")
        settings = load_backend_settings()
        assert (settings.timeout, settings.max_retries) == (timeout, retries)


def test_an_absurd_timeout_fails_create_with_exit_2_and_writes_nothing(
    workdir: Path, llm_server: FakeLLMServer
) -> None:
    (workdir / "agentflow.toml").write_text("[backend]\ntimeout = 1e308\n", encoding="utf-8")
    result = invoke("create", "spec.yaml", *openai_at(llm_server))
    assert result.exit_code == 2, result.output
    assert "timeout must be between 1 and 3600 seconds" in result.output
    assert "Traceback" not in result.output
    assert not Path("integrations").exists() and llm_server.requests == []


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_max_cost_that_is_not_a_finite_number_is_exit_2(
    workdir: Path, llm_server: FakeLLMServer, value: str
) -> None:
    result = invoke("create", "spec.yaml", *openai_at(llm_server), "--max-cost", value)
    assert result.exit_code == 2, result.output
    assert "max_cost must be a number of USD, 0 or more" in result.output
    assert not Path("integrations").exists() and llm_server.requests == []


def test_a_bad_config_file_fails_create_with_exit_2_and_writes_nothing(workdir: Path) -> None:
    (workdir / "agentflow.toml").write_text("[backend]\nworkers = -3\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["integrate", "create", "spec.yaml"])
    assert result.exit_code == 2
    assert "workers must be a whole number" in result.output
    assert "Traceback" not in result.output
    assert not Path("integrations").exists()


def test_another_backend_on_the_command_line_drops_the_configured_model() -> None:
    configured = BackendSettings("anthropic", "claude-opus-4", "https://proxy.internal", 1.0)
    assert configured.overridden(backend="openai") == BackendSettings("openai", max_cost=1.0)
    assert configured.overridden(backend="anthropic", model=None).model == "claude-opus-4"
    assert configured.overridden(model="claude-3-5-haiku").base_url == "https://proxy.internal"


def test_a_missing_key_is_exit_2_naming_the_variable(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    result = CliRunner().invoke(
        main, ["integrate", "create", "spec.yaml", "--backend", "anthropic"]
    )
    assert result.exit_code == 2
    assert "set ANTHROPIC_API_KEY" in result.output
    assert "Traceback" not in result.output
    assert not Path("integrations").exists()


def test_fallback_provider_takes_over_when_the_first_is_refused(
    workdir: Path, llm_server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-revoked")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-good")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", llm_server.anthropic_base_url)
    llm_server.expected_key = "sk-ant-good"
    (workdir / "agentflow.toml").write_text("[backend]\nworkers = 1\n", encoding="utf-8")
    adapter = template_files()[ADAPTER] + "\n\n# Reviewed for the GitHub service.\n"
    llm_server.script(ANTHROPIC_PATH, ok(adapter, input_tokens=1000, output_tokens=1000))
    result = invoke(
        "create", "spec.yaml", *openai_at(llm_server), "--no-validate", "--fallback", "anthropic"
    )
    assert result.exit_code == 0, result.output
    files = metadata()["files"]
    assert files[ADAPTER]["provenance"] == "claude-sonnet-4-20250514"
    assert files[ADAPTER]["cost"] == pytest.approx((1000 * 3.00 + 1000 * 15.00) / 1e6)
    assert [r.path for r in llm_server.requests[:2]] == [OPENAI_PATH, ANTHROPIC_PATH]
    assert result.stderr.count("warning:") == 1, result.stderr
    assert "the key from OPENAI_API_KEY was refused" in result.stderr


def test_regenerating_with_a_model_pays_once_and_records_it(
    workdir: Path, llm_server: FakeLLMServer
) -> None:
    args = ("--backend", "openai", "--base-url", llm_server.openai_base_url, "--no-validate")
    enriched = template_files()[ADAPTER] + "\n\n# Reviewed for the GitHub service.\n"

    def build_cold() -> tuple[dict[str, Any], int]:
        shutil.rmtree(workdir / "cache", ignore_errors=True)
        before = len(llm_server.requests)
        llm_server.script(OPENAI_PATH, ok(enriched, input_tokens=4000, output_tokens=3000))
        create(*args)
        return metadata(), len(llm_server.requests) - before

    first, first_calls = build_cold()
    again, again_calls = build_cold()  # a clean cache: what a new CI machine sees
    assert again_calls == first_calls
    assert again["build_metrics"]["total_cost"] == first["build_metrics"]["total_cost"] > 0
    assert again["package_version"] == first["package_version"] == "0.1.0"

    before = len(llm_server.requests)
    command = ["integrate", "create", "spec.yaml", "--force", "--json", *args]
    warm = json.loads(CliRunner().invoke(main, command).output)  # answers cached
    assert len(llm_server.requests) == before
    assert (warm["status"], warm["build_metrics"]["total_cost"]) == ("unchanged", 0)
    assert metadata() == again  # the package keeps the record of what making it cost

    (workdir / "spec.yaml").write_text(SPEC + "description: Changed\n", encoding="utf-8")
    llm_server.script(OPENAI_PATH, ok(enriched, input_tokens=4000, output_tokens=3000))
    create(*args)
    assert metadata()["package_version"] == "0.1.1"


def test_backend_plugins_come_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    plugin = EntryPoint(
        "echo", "agentflow.generation.backends.template:TemplateBackend", "agentflow.backends"
    )
    monkeypatch.setattr("agentflow.generation.backends.entry_points", lambda group: [plugin])
    load_backends.cache_clear()
    try:
        assert set(load_backends()) == {"template", "echo"}
    finally:
        load_backends.cache_clear()


def test_update_regenerates_with_the_backend_that_made_the_package(
    workdir: Path, llm_server: FakeLLMServer
) -> None:
    url = ("--base-url", llm_server.openai_base_url)
    enriched = template_files()[ADAPTER] + "\n\n# Reviewed for the GitHub service.\n"
    llm_server.script(OPENAI_PATH, ok(enriched, input_tokens=4000, output_tokens=3000))
    create("--backend", "openai", *url, "--no-validate")
    calls = len(llm_server.requests)

    def update(*args: str) -> dict[str, Any]:
        command = ["integrate", "update", "integrations/github", "--no-validate", "--json", *args]
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0, result.output
        summary: dict[str, Any] = json.loads(result.output)
        return summary

    assert update(*url)["status"] == "unchanged"  # openai again, from the cache
    assert len(llm_server.requests) == calls
    assert update("--backend", "template")["status"] == "updated"
    assert "Reviewed for" not in Path("integrations/github", ADAPTER).read_text("utf-8")
    assert metadata()["backend"] == "template"


@pytest.mark.parametrize(
    "url", ["api.openai.com/v1", "ftp://127.0.0.1/v1", "http://", "http://[::1"]
)
def test_a_base_url_that_is_not_http_is_exit_2(workdir: Path, url: str) -> None:
    result = CliRunner().invoke(
        main, ["integrate", "create", "spec.yaml", "--backend", "openai", "--base-url", url]
    )
    assert result.exit_code == 2, result.output
    assert "is not an http(s)://host address" in result.output
    assert not Path("integrations").exists()


def test_the_key_is_never_written(
    workdir: Path, llm_server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-live-NEVER-ON-DISK-4c1d"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    llm_server.expected_key = key
    enriched = template_files()[ADAPTER] + "\n\n# Reviewed for the GitHub service.\n"
    llm_server.script(OPENAI_PATH, ok(enriched))
    files = create("--backend", "openai", "--base-url", llm_server.openai_base_url, "--no-validate")
    assert files[ADAPTER]["provenance"] == "gpt-4o"  # the key was accepted and used
    written = [p for p in workdir.rglob("*") if p.is_file()]
    assert any("cache" in p.parts for p in written) and len(written) > 10
    assert [p for p in written if key.encode() in p.read_bytes()] == []


@pytest.mark.parametrize(
    "usage",
    [
        {"prompt_tokens": -45_000_000, "completion_tokens": 3000},
        {"prompt_tokens": float("inf"), "completion_tokens": 3000},
    ],
    ids=["negative", "infinite"],  # every other bad count: tests/generation/backends/test_usage.py
)
def test_usage_that_is_no_token_count_is_never_a_cost(
    workdir: Path, llm_server: FakeLLMServer, usage: dict[str, float]
) -> None:
    enriched = template_files()[ADAPTER] + "\n\n# Reviewed for the GitHub service.\n"
    llm_server.script(OPENAI_PATH, with_usage(ok(enriched), usage))
    result = invoke("create", "spec.yaml", *openai_at(llm_server), "--no-validate", "--json")
    assert result.exit_code == 0, result.output
    adapter = metadata()["files"][ADAPTER]
    assert str(adapter["provenance"]).startswith("template (fallback after gpt-4o: bad_response")
    assert "usage." in str(adapter["provenance"])
    assert (adapter["cost"], adapter["tokens"]) == (0, 0)
    costs = [record.get("cost", 0) for record in metadata()["files"].values()]
    assert all(cost >= 0 for cost in costs)
    total = json.loads(result.stdout)["build_metrics"]["total_cost"]
    assert total == metadata()["build_metrics"]["total_cost"] == pytest.approx(sum(costs), abs=1e-6)

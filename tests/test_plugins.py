"""Pattern plugins: the webhook example installed for real and found via its entry point."""

from __future__ import annotations

import ast
import hashlib
import hmac
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentflow.errors import PluginError
from agentflow.generation.generate import render_package
from agentflow.patterns import base as integration_patterns
from agentflow.patterns.base import (
    ENTRY_POINT_GROUP,
    NEAR_TIE,
    IntegrationPattern,
    load_patterns,
    select_pattern,
)
from agentflow.spec.models import IntegrationSpec

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "examples" / "plugins" / "agentflow-webhook"
QUOTED_SNIPPET = re.compile(r"^From `([^`]+)`:\n\n```[a-z]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _forget_plugin_modules() -> None:
    for name in [n for n in sys.modules if n.split(".")[0] == "agentflow_webhook"]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The plugin pip-installed into a fresh directory that is on sys.path for these tests."""
    target = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    command += ["--target", str(target), "--quiet", "--disable-pip-version-check", str(PLUGIN)]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    load_patterns.cache_clear()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        _forget_plugin_modules()
        importlib.invalidate_caches()
        load_patterns.cache_clear()


def load_spec(name: str) -> IntegrationSpec:
    text = (PLUGIN / "examples" / f"{name}.yaml").read_text(encoding="utf-8")
    return IntegrationSpec.model_validate(yaml.safe_load(text))


def test_the_entry_point_registers_the_installed_pattern(site: Path) -> None:
    (ep,) = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == "webhook"]
    assert ep.value == "agentflow_webhook.pattern:WebhookPattern"
    pattern = load_patterns()["webhook"]
    assert type(pattern).__module__ == "agentflow_webhook.pattern"
    assert Path(sys.modules["agentflow_webhook.pattern"].__file__ or "").is_relative_to(site)
    assert '"""Webhook receiver for {{ service | docstring(0) }}' in pattern.get_adapter_template()


def test_a_webhook_spec_selects_the_plugin_with_margin(site: Path) -> None:
    pattern, matches = select_pattern(load_spec("github-webhooks").requirements)
    assert pattern.name == "webhook"
    assert matches[0].score - matches[1].score >= NEAR_TIE


def test_built_in_examples_still_select_built_ins(site: Path) -> None:
    github = yaml.safe_load((ROOT / "examples" / "github.yaml").read_text(encoding="utf-8"))
    pattern, matches = select_pattern(github["requirements"])
    assert pattern.name == "api"
    assert {m.name: m.score for m in matches}["webhook"] == 0.0


def render_into(directory: Path, spec: IntegrationSpec) -> dict[str, str]:
    """Render the spec with the installed plugin and write the files into `directory`."""
    pattern = load_patterns()["webhook"]
    assert pattern.requirements_model is not None
    requirements = pattern.requirements_model.model_validate(spec.requirements)
    files = render_package(spec, pattern, requirements)
    for path, text in files.items():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_text(text, encoding="utf-8")
    return files


def import_generated(monkeypatch: pytest.MonkeyPatch, path: Path) -> types.ModuleType:
    """Import a generated module from its file; it is dropped from sys.modules afterwards."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, path.stem, module)
    spec.loader.exec_module(module)
    return module


def hmac_hex(secret: bytes, message: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def test_generated_verifier_accepts_signed_and_rejects_tampered(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load_spec("github-webhooks")
    files = render_into(tmp_path, spec)
    assert sorted(p for p in files if "/" not in p) == [
        "github_webhooks_adapter.py",
        "test_github_webhooks_adapter.py",
    ]
    for path, text in files.items():
        ast.parse(text, filename=path)
    module = import_generated(monkeypatch, tmp_path / "github_webhooks_adapter.py")
    secret, body = b"s3cret", json.dumps({"action": "opened"}).encode()
    headers = {
        "X-Hub-Signature-256": "sha256=" + hmac_hex(secret, body),
        "X-GitHub-Event": "issues",
    }
    event = module.parse_event(body, headers, secret=secret)
    assert (event.name, event.data) == ("issues", {"action": "opened"})
    with pytest.raises(module.WebhookError, match="does not match"):
        module.parse_event(body.replace(b"opened", b"closed"), headers, secret=secret)
    with pytest.raises(module.WebhookError, match="unexpected event"):
        module.parse_event(body, {**headers, "X-GitHub-Event": "deployment"}, secret=secret)


def test_generated_verifier_checks_the_signed_timestamp(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    render_into(tmp_path, load_spec("acme-payments-webhooks"))
    module = import_generated(monkeypatch, tmp_path / "acme_payments_webhooks_adapter.py")
    secret, body, sent = b"k", b'{"type": "payment.failed"}', 1_700_000_000
    headers = {
        "Acme-Signature": "v1=" + hmac_hex(secret, f"{sent}.".encode() + body),
        "Acme-Timestamp": str(sent),
    }
    assert module.parse_event(body, headers, secret=secret, now=sent + 10).name == "payment.failed"
    with pytest.raises(module.WebhookError, match="replay"):
        module.parse_event(body, headers, secret=secret, now=sent + 301)
    with pytest.raises(module.WebhookError, match="does not match"):
        module.parse_event(
            body, {**headers, "Acme-Timestamp": str(sent + 1)}, secret=secret, now=sent
        )


@pytest.mark.slow
def test_generated_tests_and_the_plugin_suite_pass(site: Path, tmp_path: Path) -> None:
    render_into(tmp_path, load_spec("acme-payments-webhooks"))
    pytest_cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    generated = subprocess.run(
        pytest_cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    suite = subprocess.run(
        pytest_cmd, cwd=PLUGIN, env=env, capture_output=True, text=True, timeout=300
    )
    assert suite.returncode == 0, suite.stdout + suite.stderr


@pytest.fixture
def fake_entry_points(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EntryPoint]]:
    """Replace the installed entry points with a list the test fills in."""
    registered: list[EntryPoint] = []

    def fake(*, group: str) -> list[EntryPoint]:
        return registered if group == ENTRY_POINT_GROUP else []

    monkeypatch.setattr(integration_patterns, "entry_points", fake)
    load_patterns.cache_clear()
    yield registered
    load_patterns.cache_clear()


def plugin_module(monkeypatch: pytest.MonkeyPatch, **attributes: Any) -> None:
    module = types.ModuleType("fake_pattern_plugin")
    for name, value in attributes.items():
        setattr(module, name, value)
    monkeypatch.setitem(sys.modules, "fake_pattern_plugin", module)


def test_a_plugin_that_fails_to_import_is_a_clear_error(
    fake_entry_points: list[EntryPoint],
) -> None:
    fake_entry_points.append(EntryPoint("broken", "no_such_module_xyz:Pattern", ENTRY_POINT_GROUP))
    with pytest.raises(PluginError, match=r"plugin 'broken' \(no_such_module_xyz:Pattern\)"):
        load_patterns()


def test_a_plugin_that_is_not_a_pattern_is_a_clear_error(
    fake_entry_points: list[EntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin_module(monkeypatch, NotAPattern=dict)
    fake_entry_points.append(
        EntryPoint("odd", "fake_pattern_plugin:NotAPattern", ENTRY_POINT_GROUP)
    )
    with pytest.raises(PluginError, match="not an IntegrationPattern subclass"):
        load_patterns()


def test_a_plugin_cannot_take_a_built_in_name(
    fake_entry_points: list[EntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Impostor(IntegrationPattern):
        name = "api"

    plugin_module(monkeypatch, Impostor=Impostor)
    fake_entry_points.append(EntryPoint("api2", "fake_pattern_plugin:Impostor", ENTRY_POINT_GROUP))
    with pytest.raises(PluginError, match="'api', which .*ApiPattern already provides"):
        load_patterns()


def test_built_ins_registered_again_are_not_a_conflict(
    fake_entry_points: list[EntryPoint],
) -> None:
    value = "agentflow.patterns.api:ApiPattern"
    fake_entry_points.append(EntryPoint("api", value, ENTRY_POINT_GROUP))
    assert sorted(load_patterns()) == [
        "api",
        "auth",
        "database",
        "file_storage",
        "message_queue",
        "monitoring",
    ]


def test_the_guide_quotes_the_plugin_files_verbatim() -> None:
    guide = (ROOT / "PATTERN_DEVELOPMENT.md").read_text(encoding="utf-8")
    quoted = QUOTED_SNIPPET.findall(guide)
    assert len(quoted) >= 10
    for path, snippet in quoted:
        assert snippet in (PLUGIN / path).read_text(encoding="utf-8"), path

"""Package code runs without the user's secrets or network, and the report says so."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from listener import Listener

from agentflow.validation import ValidationReport, validate_package
from agentflow.validation import sandbox as sandbox_module
from agentflow.validation.sandbox import NETWORK_NONE, Network, network_isolation, scrubbed_env

from .packages import ADAPTER, HANGS, FakePattern, PackageFactory
from .processes import all_gone, wait_for

SECRETS = {
    "OPENAI_API_KEY": "sk-test-secret-openai-0123456789",
    "DEMO_TOKEN": "demo-service-token-0123456789",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-0123456789",
}
# Module-level code of the adapter and of its tests: note what this process can see, try to
# send it to the listener, and append both to a log the test reads afterwards.
SNOOP = """
import json as _json
import os as _os
import socket as _socket

_SEEN = {{name: _os.environ.get(name) for name in {names!r}}}
_SEEN["HOME"] = _os.environ.get("HOME")
try:
    with _socket.create_connection(("127.0.0.1", {port}), timeout=3) as _conn:
        _conn.sendall(_json.dumps(_SEEN).encode())
    _SEEN["network"] = "reached the listener"
except OSError as _exc:
    _SEEN["network"] = f"unreachable: {{_exc}}"
with open({log!r}, "a", encoding="utf-8") as _log:
    _log.write(_json.dumps({{"where": __name__, **_SEEN}}) + "\\n")
"""


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


@pytest.fixture
def fresh_probe() -> Iterator[None]:
    network_isolation.cache_clear()
    yield
    network_isolation.cache_clear()


def snooping_package(make_package: PackageFactory, port: int, log: Path) -> Path:
    snoop = SNOOP.format(names=sorted(SECRETS), port=port, log=str(log))
    tests = f'"""Tests that look around."""\n{snoop}\nfrom demo_adapter import greet\n\n\n'
    tests += 'def test_greet() -> None:\n    assert greet("x") == "hello x"\n'
    return make_package({"demo_adapter.py": ADAPTER + snoop, "test_demo_adapter.py": tests})


def observations(log: Path) -> list[dict[str, str | None]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def validate_snooping_package(
    make_package: PackageFactory, listener: Listener, tmp_path: Path
) -> tuple[ValidationReport, list[dict[str, str | None]]]:
    log = tmp_path / "seen.jsonl"
    path = snooping_package(make_package, listener.port, log)
    report = validate_package(path, pattern=FakePattern())
    return report, observations(log)


def require_network_isolation() -> None:
    """Skip where no network namespace can be made, except in CI, where that is a failure."""
    network = network_isolation()
    if network.wrapper:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must validate without network, but: {network.description}")
    pytest.skip(f"this machine cannot make a network namespace: {network.description}")


def test_scrubbed_env_keeps_the_allow_list_and_drops_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secrets: dict[str, str]
) -> None:
    kept = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    dropped = {
        "GITHUB_TOKEN": "ghp_x",
        "SSH_AUTH_SOCK": "/tmp/agent.sock",
        "HTTPS_PROXY": "http://user:pw@proxy:3128",
        "PYTEST_ADDOPTS": "-x",
        "COV_CORE_SOURCE": "elsewhere",
        "PYTHONSTARTUP": "/home/me/.startup.py",
        "GOOGLE_APPLICATION_CREDENTIALS": "/home/me/key.json",
    }
    for name, value in {**kept, **dropped}.items():
        monkeypatch.setenv(name, value)
    scratch = tmp_path / "scratch"
    env = scrubbed_env(scratch)
    for name in [*secrets, *dropped]:
        assert name not in env
    for name, value in kept.items():
        assert env[name] == value
    for name in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "TMPDIR"):
        assert Path(env[name]).is_dir() and Path(env[name]).is_relative_to(scratch), name
    assert env["COVERAGE_FILE"] == str(scratch / ".coverage")
    assert (env["PYTHONDONTWRITEBYTECODE"], env["NO_COLOR"]) == ("1", "1")
    assert not set(secrets.values()) & set(env.values())


def test_package_code_never_sees_the_users_secrets(
    make_package: PackageFactory, listener: Listener, tmp_path: Path, secrets: dict[str, str]
) -> None:
    report, seen = validate_snooping_package(make_package, listener, tmp_path)
    assert report.check("tests").passed, report.check("tests").evidence
    where = {entry["where"] for entry in seen}
    assert {"demo_adapter", "test_demo_adapter"} <= where, "both modules ran their snooping"
    for entry in seen:
        for name in secrets:
            assert entry[name] is None, (entry["where"], name)
        assert entry["HOME"] != os.environ.get("HOME")
        assert not Path(str(entry["HOME"])).exists(), "HOME was a throw-away folder"
    assert report.isolation is not None
    assert report.isolation.environment == "scrubbed"
    for received in listener.received:
        assert not any(value.encode() in received for value in secrets.values())


def test_package_code_cannot_reach_a_loopback_listener(
    make_package: PackageFactory, listener: Listener, tmp_path: Path
) -> None:
    require_network_isolation()
    report, seen = validate_snooping_package(make_package, listener, tmp_path)
    assert seen and all(str(entry["network"]).startswith("unreachable") for entry in seen)
    assert listener.received == []
    assert report.isolation is not None
    assert report.isolation.to_dict() == {"environment": "scrubbed", "network": NETWORK_NONE}


def test_without_a_network_namespace_the_report_says_the_network_was_available(
    make_package: PackageFactory,
    listener: Listener,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    secrets: dict[str, str],
) -> None:
    reason = "available (unshare not permitted: operation not permitted)"
    monkeypatch.setattr(sandbox_module, "network_isolation", lambda: Network((), reason))
    report, seen = validate_snooping_package(make_package, listener, tmp_path)
    assert report.isolation is not None and report.isolation.network == reason
    assert listener.received, "the listener works: only the namespace kept the code out"
    assert all(entry["network"] == "reached the listener" for entry in seen)
    for received in listener.received:
        assert json.loads(received)["OPENAI_API_KEY"] is None


def test_network_probe_names_why_there_is_no_namespace(
    fresh_probe: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox_module.sys, "platform", "linux")
    monkeypatch.setattr(sandbox_module.shutil, "which", lambda name: None)
    assert network_isolation() == Network((), "available (unshare not found)")
    network_isolation.cache_clear()
    monkeypatch.setattr(sandbox_module.shutil, "which", lambda name: "/bin/false")
    network = network_isolation()
    assert network.wrapper == ()
    assert network.description.startswith("available (unshare not permitted: ")


def test_network_probe_runs_once_per_process(
    fresh_probe: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    probes: list[tuple[str, ...]] = []

    def probe(wrapper: tuple[str, ...]) -> str:
        probes.append(tuple(wrapper))
        return ""

    monkeypatch.setattr(sandbox_module.sys, "platform", "linux")
    monkeypatch.setattr(sandbox_module.shutil, "which", lambda name: "/usr/bin/unshare")
    monkeypatch.setattr(sandbox_module, "_probe", probe)
    first, second = network_isolation(), network_isolation()
    assert first is second and first.description == NETWORK_NONE
    assert len(probes) == 1 and probes[0][0] == "/usr/bin/unshare" and "--net" in probes[0]


@pytest.fixture
def private_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder `tempfile` uses, so what validation leaves there can be seen."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.slow
def test_validation_leaves_nothing_in_the_temporary_folder(
    make_package: PackageFactory, private_tmpdir: Path
) -> None:
    report = validate_package(make_package(), pattern=FakePattern())
    assert report.check("tests_can_fail").passed, "mutant copies were made"
    assert list(private_tmpdir.iterdir()) == []


@pytest.mark.skipif(not Path("/proc").is_dir() or sys.platform == "win32", reason="uses /proc")
@pytest.mark.parametrize(
    "condition", ["True", 'greet("x") is None'], ids=["during-tests", "during-mutants"]
)
def test_an_interrupt_ends_every_process_and_removes_the_scratch_folder(
    condition: str, make_package: PackageFactory, private_tmpdir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "hanging.pids"
    tests = HANGS.format(condition=condition, marker=str(marker))
    path = make_package({"test_demo_adapter.py": tests})
    main = threading.get_ident()

    def interrupt_once_hanging() -> None:
        wait_for(marker)
        signal.pthread_kill(main, signal.SIGINT)

    threading.Thread(target=interrupt_once_hanging, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        validate_package(path, pattern=FakePattern())
    assert all_gone(wait_for(marker)), "the tool and what it started were killed"
    assert list(private_tmpdir.iterdir()) == []

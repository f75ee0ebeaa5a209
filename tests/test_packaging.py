"""Installability: agentflow's own wheel, and the generated packages' wheels and live tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "integrations" / "github"

pytestmark = pytest.mark.slow


def build_wheel(source: Path, dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(dest),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dest.glob("*.whl")
    return wheel


def install_target(wheel: Path, target: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )


def test_agentflow_wheel_ships_templates_and_runs_without_the_checkout(tmp_path: Path) -> None:
    wheel = build_wheel(ROOT, tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert "agentflow/templates/api/adapter.py.jinja" in names
    assert "agentflow/runtime/retry.py" in names
    install_target(wheel, tmp_path / "site")
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "agentflow",
            "integrate",
            "create",
            str(ROOT / "examples" / "github.yaml"),
            "--no-validate",
            "--json",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "created"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import agentflow.generation.rendering as r; print(r.TEMPLATES_ROOT)",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(tmp_path / "site"))
    assert (work / "integrations" / "github" / "github_adapter.py").is_file()


def test_generated_wheel_holds_only_the_adapter_and_helpers_and_imports_alone(
    tmp_path: Path,
) -> None:
    wheel = build_wheel(GITHUB, tmp_path / "dist")
    modules = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {m for m in modules if not m.endswith(".dist-info")} == {
        "github_adapter",
        "github_utils",
    }
    install_target(wheel, tmp_path / "site")
    code = (
        "import sys; sys.modules['agentflow'] = None; import github_adapter; "
        "print(github_adapter.GitHubClient.__name__, github_adapter.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"GitHubClient {tmp_path / 'site' / 'github_adapter'}")


class StandIn(BaseHTTPRequestHandler):
    """A loopback stand-in for the GitHub API, recording what it was sent."""

    seen: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802
        StandIn.seen.append((self.path, self.headers.get("Authorization")))
        body = json.dumps({"login": "octocat", "id": 583231}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    StandIn.seen.clear()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_generated_live_tests_run_against_a_service_when_credentials_are_set(
    stand_in: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "GITHUB_TOKEN": "loopback-token",
        "GITHUB_BASE_URL": stand_in,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "live",
            "-o",
            f"cache_dir={tmp_path}",
        ],
        cwd=GITHUB,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout and "skipped" not in result.stdout
    assert StandIn.seen == [("/user", "Bearer loopback-token")]

"""A generated package's wheel is typed: `mypy --strict` checks its users' code against it.

The golden GitHub package's wheel is built and installed alone into a fresh venv, then mypy
(ours, pointed at that venv) checks user scripts. Add a client feature's use to
`USES_THE_CLIENT` to keep its types under test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

GITHUB = Path(__file__).resolve().parent.parent / "integrations" / "github"

pytestmark = pytest.mark.slow

USES_THE_CLIENT = """
from typing import Literal

import httpx

from github_adapter import (
    APIResponse,
    APIStatusError,
    GitHubClient,
    GitHubConfig,
    IntegrationError,
    Issue,
    NewIssue,
    NotFoundError,
    SyncPage,
    User,
)
from github_utils.metrics import OperationMetrics


def user_of(login: str) -> dict[str, object]:
    return {"login": login, "id": 1}


def answer(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/user":
        user = {"login": "octocat", "id": 1, "plan": "pro"}
        return httpx.Response(200, json=user, headers={"x-request-id": "r1"})
    if request.url.path.endswith("/issues"):
        issue = {"id": 7, "number": 1, "title": "Bug", "state": "open", "user": user_of("o")}
        if request.method == "POST":
            return httpx.Response(201, json=issue)
        return httpx.Response(200, json=[issue])
    return httpx.Response(404, json={"message": "Not Found"})


config = GitHubConfig(max_attempts=1, rate_limit=None)
timeout: float = config.timeout
status: int | None = None
body: object = None
with GitHubClient(
    token="test-token", config=config, transport=httpx.MockTransport(answer)
) as client:
    user: User = client.get_user(extra_headers={"X-Trace": "t"}, timeout=5.0)
    login: str = user.login
    name: str | None = user.name
    raw: APIResponse[User] = client.with_raw_response.get_user(max_retries=0)
    issues: SyncPage[Issue] = client.list_issues("octocat", "hello-world", per_page=10)
    state: Literal["open", "closed"] = next(iter(issues)).state
    created: Issue = client.create_issue("o", "r", json=NewIssue(title="Bug"))
    also: Issue = client.create_issue("o", "r", json={"title": "Bug"})
    request_id: str | None = raw.request_id
    quick: GitHubClient = client.with_options(timeout=2.0, max_retries=0)
    try:
        quick.get_repo("octocat", "missing", extra_query={"page": 1})
    except NotFoundError as exc:
        status, body = exc.status_code, exc.body
    except APIStatusError as exc:
        raise SystemExit(exc.request_id) from exc
    except IntegrationError as exc:
        raise SystemExit(exc.message) from exc
    metrics: OperationMetrics = client.metrics["get_user"]
    circuit: str = client.circuit_state
print(login, request_id, raw.status_code, status, body, metrics.calls, circuit, timeout)
print(user.model_extra, name, state, created.number, also.title)
"""

MISTYPED = """
from github_adapter import GitHubClient, GitHubConfig

timeout: str = GitHubConfig().timeout
GitHubClient().get_user(timeout="soon")
login: int = GitHubClient().get_user().login
"""


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MYPYPATH"}}
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def _checked(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def user_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; httpx comes from ours, through a .pth file."""
    root = tmp_path_factory.mktemp("typed-wheel")
    dist = root / "dist"
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist]
    _checked(_run(*build, GITHUB, cwd=root))
    (wheel,) = dist.glob("*.whl")
    _checked(_run(sys.executable, "-m", "venv", "--without-pip", root / "venv", cwd=root))
    python = root / "venv" / "bin" / "python"
    purelib = _checked(
        _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root)
    )
    (Path(purelib.strip()) / "host.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps"]
    _checked(_run(*pip, "--no-index", wheel, cwd=root))
    return python


def _mypy(python: Path, script: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """mypy --strict on `script`, alone in `folder`, with `python`'s installed packages."""
    folder.mkdir()
    (folder / "user.py").write_text(script, encoding="utf-8")
    return _run(
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        "--python-executable",
        python,
        "user.py",
        cwd=folder,
    )


def test_user_code_type_checks_against_the_installed_wheel(
    user_python: Path, tmp_path: Path
) -> None:
    done = _mypy(user_python, USES_THE_CLIENT, tmp_path / "user")
    assert "import-untyped" not in done.stdout
    assert done.returncode == 0, done.stdout + done.stderr
    ran = _checked(_run(user_python, "user.py", cwd=tmp_path / "user"))
    first, second = ran.splitlines()
    assert first.split(maxsplit=4)[:4] == ["octocat", "r1", "200", "404"]
    assert first.split()[-3:] == ["2", "closed", "30.0"]
    assert "'Not Found'" in first
    assert second == "{'plan': 'pro'} None open 1 Bug"


def test_a_type_error_against_the_wheel_is_reported(user_python: Path, tmp_path: Path) -> None:
    done = _mypy(user_python, MISTYPED, tmp_path / "user")
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'expression has type "float", variable has type "str"' in done.stdout
    assert 'Argument "timeout" to "get_user" of "GitHubClient"' in done.stdout
    assert 'expression has type "str", variable has type "int"' in done.stdout
    assert "import-untyped" not in done.stdout

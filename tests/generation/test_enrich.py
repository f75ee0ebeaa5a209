"""The model backend: accepted rewrites, the guard, the repair loop and the template fallback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentflow.errors import BackendError
from agentflow.generation.backends.enrich import repair_prompt
from agentflow.generation.backends.guard import check_rewrite, literal_facts, strip_fences
from agentflow.generation.backends.key_pieces import ProviderKeys
from agentflow.generation.backends.llm import ChatRequest
from agentflow.generation.backends.pricing import cost
from agentflow.generation.orchestrator import SmartOrchestrator
from agentflow.generation.response_cache import ResponseCache
from agentflow.patterns.api import ApiPattern

from .fake_chat import FakeChat, build, improved, rendered_file, target, template_files

ADAPTER = "github_adapter.py"


def orchestrator(client: FakeChat, **options: object) -> SmartOrchestrator:
    return SmartOrchestrator(
        client.provider, clients={client.provider: client}, use_cache=False, **options
    )  # type: ignore[arg-type]


def test_accepted_rewrite_records_model_cost_and_tokens() -> None:
    client = FakeChat()
    package = build(orchestrator(client))
    files = json.loads(package.files["metadata.json"])["files"]
    assert files[ADAPTER]["provenance"] == "gpt-4o"
    assert files[ADAPTER]["cost"] == pytest.approx(cost("gpt-4o", 1000, 500))
    assert files[ADAPTER]["tokens"] == 1500
    assert files["GITHUB_INTEGRATION.md"]["provenance"] == "gpt-4o-mini"
    assert files["config.yaml"]["provenance"] == "template"
    assert "# Reviewed for the GitHub service." in package.files[ADAPTER]
    assert sorted(client.targets()) == sorted(
        ["github_adapter.py", "test_github_adapter.py", "GITHUB_INTEGRATION.md", "examples.py"]
    )


def test_prompt_holds_requirements_and_the_final_adapter() -> None:
    client = FakeChat()
    build(orchestrator(client))
    tests_prompt = next(r.prompt for r in client.requests if target(r) == "test_github_adapter.py")
    assert '"base_url": "https://api.github.com"' in tests_prompt
    assert "File this one depends on (github_adapter.py)" in tests_prompt
    assert "# Reviewed for the GitHub service." in tests_prompt


def test_syntax_error_is_repaired() -> None:
    answers = iter(["def broken(:\n"])

    def answer(request: ChatRequest) -> str:
        broken = next(answers, None) if target(request) == ADAPTER else None
        return broken or improved(request)

    client = FakeChat(answer=answer)
    package = build(orchestrator(client))
    repair = [r for r in client.requests if target(r) == ADAPTER][1]
    assert "syntax error at line 1" in repair.prompt
    assert json.loads(package.files["metadata.json"])["files"][ADAPTER]["provenance"] == "gpt-4o"


def test_changed_base_url_falls_back_to_template_after_repairs() -> None:
    def answer(request: ChatRequest) -> str:
        text = improved(request)
        return text.replace("https://api.github.com", "https://evil.example.com")

    client = FakeChat(answer=answer)
    package = build(orchestrator(client))
    record = json.loads(package.files["metadata.json"])["files"][ADAPTER]
    assert record["provenance"].startswith("template (fallback after gpt-4o: rejected after 2")
    assert "https://api.github.com" in record["provenance"]
    assert package.files[ADAPTER] == template_files()[ADAPTER]
    assert client.targets().count(ADAPTER) == 3
    assert record["cost"] == pytest.approx(3 * cost("gpt-4o", 1000, 500))


def test_answers_get_room_for_twice_the_file_within_the_model_limit() -> None:
    client = FakeChat()
    build(orchestrator(client))
    sizes = {target(r): (len(rendered_file(r)), r.max_tokens) for r in client.requests}
    for path, (chars, max_tokens) in sizes.items():
        assert max_tokens == min(16_384, 2 * -(-chars // 4) + 1024), path
    assert sizes[ADAPTER][1] > 8_192  # more than a fixed 8k limit would give the adapter


def test_a_file_too_long_for_the_model_is_not_sent() -> None:
    client = FakeChat("ollama")
    package = build(orchestrator(client, model="llama3.1:8b"))  # 8,192-token answers
    record = json.loads(package.files["metadata.json"])["files"][ADAPTER]
    assert "too long for llama3.1:8b's 8192" in record["provenance"]
    assert (record["cost"], record["tokens"]) == (0.0, 0)
    assert ADAPTER not in client.targets()
    assert "GITHUB_INTEGRATION.md" in client.targets()


def test_fenced_answer_is_unwrapped() -> None:
    client = FakeChat(answer=lambda r: f"```python\n{improved(r)}```\n")
    package = build(orchestrator(client))
    assert "```" not in package.files[ADAPTER]
    assert json.loads(package.files["metadata.json"])["files"][ADAPTER]["provenance"] == "gpt-4o"


def test_guard_rejects_new_import_removed_name_and_new_url() -> None:
    reference = 'import httpx\n\nBASE = "https://api.x.io"\n\n\ndef get_user() -> None:\n    pass\n'
    facts = literal_facts({"base_url": "https://api.x.io"}, reference, "X")
    text = reference.replace("import httpx", "import httpx\nimport subprocess")
    text = text.replace("get_user", "fetch_user") + '\nOTHER = "https://other.io"\n'
    problems = "\n".join(
        check_rewrite("x_adapter.py", text, reference, facts=facts, pattern=ApiPattern(), others={})
    )
    assert "x_adapter.py:2: new import 'subprocess' in module level" in problems
    assert "x_adapter.py: public name 'get_user' was removed" in problems
    assert "x_adapter.py:10: new URL 'https://other.io'" in problems


@pytest.mark.parametrize("call", ["eval('1')", "exec('x = 1')", "__import__('os').getcwd()"])
def test_guard_rejects_dynamic_code_the_template_did_not_use(call: str) -> None:
    reference = "def get_user() -> int:\n    return 1\n"
    text = reference.replace("return 1", f"return {call}")
    problems = check_rewrite(
        "x_adapter.py", text, reference, facts=set(), pattern=ApiPattern(), others={}
    )
    name = call.split("(")[0]
    assert f"x_adapter.py:2: {name} is not allowed in get_user" in problems[0]
    assert check_rewrite("x.py", text, text, facts=set(), pattern=ApiPattern(), others={}) == []


def test_guard_accepts_equivalent_rewrite_and_requires_env_names() -> None:
    reference = 'import os\n\nTOKEN = os.environ["X_API_TOKEN"]\n'
    facts = literal_facts({}, reference, "X")
    assert facts == {"X_API_TOKEN"}
    ok = '"""Token from the environment."""\n\n' + reference
    assert check_rewrite("c.py", ok, reference, facts=facts, pattern=ApiPattern(), others={}) == []
    renamed = reference.replace("X_API_TOKEN", "X_TOKEN")
    problems = check_rewrite(
        "c.py", renamed, reference, facts=facts, pattern=ApiPattern(), others={}
    )
    assert problems[0] == "'X_API_TOKEN' from the requirements is missing"


def test_strip_fences_only_unwraps_a_whole_answer() -> None:
    assert strip_fences("```python\nx = 1\n```") == "x = 1\n"
    assert strip_fences("text\n```\ncode\n```\n") == "text\n```\ncode\n```\n"


def test_rendered_file_helper_reads_the_prompt() -> None:
    request = ChatRequest("m", "s", "Current file:\nbody\n\nYour previous answer was rejected: x")
    assert rendered_file(request) == "body"


def test_rejected_answers_without_fallback_are_an_error() -> None:
    client = FakeChat(answer=lambda r: improved(r) + "import os\n")
    with pytest.raises(BackendError, match="new import 'os'"):
        build(orchestrator(client, enable_fallback=False))


KEY = "sk-proj-4f9c2e7a1b3d5f6e8a0c"
LEAKS = ProviderKeys([KEY]).leaks


def echoing_key(request: ChatRequest) -> str:
    """A provider that writes the key it was sent into every file."""
    return improved(request).rstrip("\n") + f"\n\n# debug: {KEY}\n"


def test_an_answer_holding_the_key_is_rejected_never_cached_nor_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    client = FakeChat(answer=echoing_key)
    cache = ResponseCache(tmp_path)
    package = build(SmartOrchestrator("openai", clients={"openai": client}, cache=cache))
    records = json.loads(package.files["metadata.json"])["files"]
    for path in ("github_adapter.py", "test_github_adapter.py", "examples.py"):
        assert records[path]["provenance"].startswith("template (fallback after"), path
        assert "holds a provider key" in records[path]["provenance"]
    assert not any(LEAKS(text) for text in package.files.values())
    assert list(tmp_path.iterdir()) == []  # nothing cached, not even the rejected answers
    repairs = [r.prompt for r in client.requests if "previous answer was rejected" in r.prompt]
    assert repairs and not any(LEAKS(prompt) for prompt in repairs)
    assert all("[redacted]" in prompt for prompt in repairs)


@pytest.mark.parametrize("key_from", ["the environment", "the client"])
def test_a_piece_of_the_key_is_enough_to_reject(
    monkeypatch: pytest.MonkeyPatch, key_from: str
) -> None:
    client = FakeChat(answer=lambda r: improved(r) + f"# {KEY[5:13]}\n")
    if key_from == "the environment":
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
    else:
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        client.keys = ProviderKeys([KEY])  # type: ignore[attr-defined]  # as HttpChatClient has
    package = build(orchestrator(client))
    assert KEY[5:13] not in package.files[ADAPTER]
    assert client.targets().count(ADAPTER) == 3


def test_answers_are_cached_before_the_check_and_marked_once_accepted(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    answers = iter(["import subprocess\n"])

    def answer(request: ChatRequest) -> str:
        hostile = next(answers, None) if target(request) == ADAPTER else None
        return hostile or improved(request)

    build(SmartOrchestrator("openai", clients={"openai": FakeChat(answer=answer)}, cache=cache))
    entries = {p.suffix for p in tmp_path.iterdir()}
    assert entries == {".json", ".accepted"}
    accepted = [p.stem for p in tmp_path.glob("*.accepted")]
    rejected = [p for p in tmp_path.glob("*.json") if p.stem not in accepted]
    assert [json.loads(p.read_text())["text"] for p in rejected] == ["import subprocess\n"]
    assert len(accepted) == 4


def test_a_tampered_cache_entry_is_checked_again_and_rejected(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    build(SmartOrchestrator("openai", clients={"openai": FakeChat()}, cache=cache))
    entry = next(
        p for p in tmp_path.glob("*.json") if "class GitHubClient" in p.read_text(encoding="utf-8")
    )
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["text"] += "\nimport subprocess\n"
    entry.write_text(json.dumps(data), encoding="utf-8")
    client = FakeChat()
    package = build(SmartOrchestrator("openai", clients={"openai": client}, cache=cache))
    assert "import subprocess" not in package.files[ADAPTER]
    repair = next(r for r in client.requests if target(r) == ADAPTER)
    assert "new import 'subprocess'" in repair.prompt  # the entry was checked like an answer
    assert client.targets().count(ADAPTER) == 1


def test_repair_prompt_redacts_keys() -> None:
    prompt = repair_prompt("p", f"x = '{KEY}'", [f"bad {KEY[:9]}"], keys=ProviderKeys([KEY]))
    assert not LEAKS(prompt) and "[redacted]" in prompt

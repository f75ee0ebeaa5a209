"""The model backend: accepted rewrites, the guard, the repair loop and the template fallback."""

from __future__ import annotations

import json

import pytest

from agentflow.errors import BackendError
from agentflow.orchestration.backends.guard import check_rewrite, literal_facts, strip_fences
from agentflow.orchestration.backends.llm import ChatRequest
from agentflow.orchestration.backends.pricing import cost
from agentflow.orchestration.orchestrator import SmartOrchestrator
from agentflow.orchestration.patterns.api import ApiPattern

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
    problems = check_rewrite(
        "x_adapter.py", text, reference, facts=facts, pattern=ApiPattern(), others={}
    )
    assert "new import 'subprocess'" in problems
    assert "public name 'get_user' was removed" in problems
    assert "new URL 'https://other.io'" in problems


@pytest.mark.parametrize("call", ["eval('1')", "exec('x = 1')", "__import__('os').getcwd()"])
def test_guard_rejects_dynamic_code_the_template_did_not_use(call: str) -> None:
    reference = "def get_user() -> int:\n    return 1\n"
    text = reference.replace("return 1", f"return {call}")
    problems = check_rewrite(
        "x_adapter.py", text, reference, facts=set(), pattern=ApiPattern(), others={}
    )
    assert problems == [f"uses {call.split('(')[0]}()"]
    assert check_rewrite("x.py", text, text, facts=set(), pattern=ApiPattern(), others={}) == []


def test_guard_accepts_equivalent_rewrite_and_requires_env_names() -> None:
    reference = 'import os\n\nTOKEN = os.environ["X_API_TOKEN"]\n'
    facts = literal_facts({}, reference, "X")
    assert facts == {"X_API_TOKEN"}
    ok = '"""Token from the environment."""\n\n' + reference
    assert check_rewrite("c.py", ok, reference, facts=facts, pattern=ApiPattern(), others={}) == []
    renamed = reference.replace("X_API_TOKEN", "X_TOKEN")
    assert check_rewrite(
        "c.py", renamed, reference, facts=facts, pattern=ApiPattern(), others={}
    ) == ["'X_API_TOKEN' from the requirements is missing"]


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

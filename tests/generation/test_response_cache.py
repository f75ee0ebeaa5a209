"""The response cache: keys, round trips, corrupt entries."""

from __future__ import annotations

import os
from pathlib import Path

from agentflow.generation.backends.llm import ChatRequest, ChatResponse
from agentflow.generation.response_cache import ResponseCache, default_cache_root

REQUEST = ChatRequest("gpt-4o", "system", "prompt")
ANSWER = ChatResponse("text", "gpt-4o", 10, 20)


def test_round_trip_and_no_temporary_files_left(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache.key("openai", REQUEST)
    assert cache.get(key) is None
    cache.put(key, ANSWER)
    assert cache.get(key) == ANSWER
    assert [p.name for p in tmp_path.iterdir()] == [f"{key}.json"]


def test_key_depends_on_provider_model_and_prompt() -> None:
    keys = {
        ResponseCache.key("openai", REQUEST),
        ResponseCache.key("deepseek", REQUEST),
        ResponseCache.key("openai", ChatRequest("gpt-4o-mini", "system", "prompt")),
        ResponseCache.key("openai", ChatRequest("gpt-4o", "system", "prompt!")),
    }
    assert len(keys) == 4


def test_corrupt_entry_is_ignored(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache.key("openai", REQUEST)
    (tmp_path / f"{key}.json").write_text("{not json", encoding="utf-8")
    assert cache.get(key) is None
    cache.put(key, ANSWER)
    assert cache.get(key) == ANSWER


def test_default_root_is_under_the_cache_dir() -> None:
    assert default_cache_root().parent == Path(os.environ["AGENTFLOW_CACHE_DIR"])


def test_acceptance_is_bound_to_the_exact_text_and_the_checks(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache.key("openai", REQUEST)
    cache.put(key, ANSWER)
    assert not cache.is_accepted(key, checked_by="guard 2", text="text")
    cache.mark_accepted(key, checked_by="guard 2", text="text")
    assert cache.is_accepted(key, checked_by="guard 2", text="text")
    assert not cache.is_accepted(key, checked_by="guard 2", text="text\nimport subprocess\n")
    assert not cache.is_accepted(key, checked_by="guard 3", text="text")
    marker = (tmp_path / f"{key}.accepted").read_text(encoding="utf-8")
    assert "sha256 982d9e3eb996f559e633f4d194def3761d909f5a3b647d1a851fead67c32c9d1" in marker


def test_discard_removes_the_entry_and_its_marker(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache.key("openai", REQUEST)
    cache.put(key, ANSWER)
    cache.mark_accepted(key, checked_by="guard 2", text="text")
    cache.discard(key)
    assert list(tmp_path.iterdir()) == []
    cache.discard(key)  # nothing left: no error

"""Compiled templates are cached on disk, and a cache that cannot be written is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentflow.generation import rendering


@pytest.fixture
def templates(tmp_path: Path) -> tuple[Path, ...]:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "hello.txt.jinja").write_text("hello {{ name }}\n")
    return (folder,)


def fresh_render(templates: tuple[Path, ...]) -> str:
    rendering.get_environment.cache_clear()
    try:
        return rendering.render(templates, "hello.txt.jinja", {"name": "world"})
    finally:
        rendering.get_environment.cache_clear()


def test_compiled_templates_are_stored_in_the_cache_dir(
    templates: tuple[Path, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTFLOW_CACHE_DIR", str(tmp_path / "cache"))
    assert fresh_render(templates) == "hello world\n"
    cached = list((tmp_path / "cache" / "templates").iterdir())
    assert len(cached) == 1
    assert fresh_render(templates) == "hello world\n"


def test_an_unwritable_cache_never_fails_a_render(
    templates: tuple[Path, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("AGENTFLOW_CACHE_DIR", str(blocker))
    assert fresh_render(templates) == "hello world\n"
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "templates").mkdir()
    (tmp_path / "ro" / "templates").chmod(0o500)
    monkeypatch.setenv("AGENTFLOW_CACHE_DIR", str(tmp_path / "ro"))
    try:
        assert fresh_render(templates) == "hello world\n"
    finally:
        (tmp_path / "ro" / "templates").chmod(0o700)

"""Hand-built packages shaped like generated ones, so validation is tested on its own."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path

ADAPTER = '''"""Demo adapter."""

from __future__ import annotations

from demo_utils.retry import ATTEMPTS

__all__ = ["ATTEMPTS", "greet"]


def greet(name: str) -> str:
    """Say hello to `name`."""
    if not name:
        raise ValueError("name is required")
    return f"hello {name}"
'''

TESTS = '''"""Tests of the demo adapter."""

import pytest

from demo_adapter import greet


def test_greet() -> None:
    assert greet("x") == "hello x"


def test_greet_requires_name() -> None:
    with pytest.raises(ValueError):
        greet("")
'''

# A test that, when `condition` holds, starts a grandchild, notes both pids and hangs.
HANGS = """
import os, subprocess, sys, time
from pathlib import Path

from demo_adapter import greet


def test_greet() -> None:
    if {condition}:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        Path({marker!r}).write_text(f"{{os.getpid()}} {{child.pid}}")
        time.sleep(120)
    assert greet("x") == "hello x"
"""

PYPROJECT = """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo-integration"
version = "0.1.0"

[tool.ruff]
line-length = 88

[tool.ruff.lint]
select = ["E", "F", "I"]

[tool.black]
line-length = 88

[tool.pytest.ini_options]
testpaths = ["."]
python_files = ["test_*.py"]
"""

BASE_FILES: dict[str, str] = {
    "demo_adapter.py": ADAPTER,
    "test_demo_adapter.py": TESTS,
    "DEMO_INTEGRATION.md": "# Demo\n\nHow to use the demo adapter.\n",
    "config.yaml": "base_url: https://demo.example\n",
    "examples.py": '"""Examples."""\n\nfrom demo_adapter import greet\n\nprint(greet("x"))\n',
    "pyproject.toml": PYPROJECT,
    "demo_utils/__init__.py": '"""Helpers."""\n',
    "demo_utils/retry.py": '"""Retry."""\n\nATTEMPTS = 3\n',
}


PackageFactory = Callable[..., Path]


def write_package(
    root: Path,
    overrides: Mapping[str, str | None] | None = None,
    *,
    slug: str = "demo",
    pattern: str = "api",
) -> Path:
    """Write the demo package (with `overrides`; None drops a file) and its metadata."""
    files = {**BASE_FILES, **(overrides or {})}
    kept = {name: text for name, text in files.items() if text is not None}
    recorded = {}
    for name, text in sorted(kept.items()):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        recorded[name] = {"sha256": digest, "provenance": "template", "subtask": None}
    metadata = {
        "agentflow_version": "0.1.0",
        "service": "Demo",
        "slug": slug,
        "pattern": pattern,
        "files": recorded,
        "validation": {"score": 100.0, "min_score": 90},
    }
    (root / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    return root


class FakePattern:
    """Stands in for an `IntegrationPattern`: records the files, returns fixed problems."""

    def __init__(self, problems: tuple[str, ...] = ()) -> None:
        self.problems = problems
        self.seen: dict[str, str] | None = None

    def validate(self, generated_code: Mapping[str, str]) -> list[str]:
        self.seen = dict(generated_code)
        return list(self.problems)


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under `root` with the sha256 of files."""
    return {
        path.relative_to(root).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
        )
        for path in sorted(root.rglob("*"))
    }

"""agentflow's own code meets the bar it sets for generated code: typed, linted, formatted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_mypy_strict_passes_on_the_package() -> None:
    result = run_tool("mypy", "agentflow")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_passes() -> None:
    result = run_tool("ruff", "check", "--no-cache", "agentflow", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_black_formatting_is_clean() -> None:
    result = run_tool("black", "--check", "--quiet", "agentflow", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr

"""The format stage: generated Python in black's style, through this module only.

The formatter is ruff's, a black-compatible implementation: on a 200-endpoint package black
took 7.5 s where ruff takes 0.02 s with byte-identical output. Validation still runs
`black --check` on every package, so any difference between the two would fail loudly.
Formatting is deterministic and idempotent: formatting twice changes nothing.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ruff import find_ruff_bin  # type: ignore[import-untyped]

from agentflow.errors import RenderError

__all__ = ["LINE_LENGTH", "format_files"]

LINE_LENGTH = 88
TARGET_VERSION = "py310"


def format_files(files: Mapping[str, str]) -> dict[str, str]:
    """Format every `.py` file of `{path: text}`; other files pass through unchanged."""
    python = {path: text for path, text in files.items() if path.endswith(".py")}
    formatted = _ruff_format(python) if python else {}
    return {path: formatted.get(path, text) for path, text in files.items()}


def _ruff_format(sources: Mapping[str, str]) -> dict[str, str]:
    """Format all sources in one formatter run over a private temporary tree."""
    with tempfile.TemporaryDirectory(prefix="agentflow-format-") as tmp:
        root = Path(tmp)
        for name, text in sources.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        completed = subprocess.run(
            [
                find_ruff_bin(),
                "format",
                "--isolated",
                "--no-cache",
                f"--line-length={LINE_LENGTH}",
                f"--target-version={TARGET_VERSION}",
                ".",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise RenderError(f"generated code is not valid Python: {_first_error(completed)}")
        return {name: (root / name).read_text(encoding="utf-8") for name in sources}


def _first_error(completed: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    return lines[0] if lines else f"formatter exited with {completed.returncode}"

"""Backend defaults from a config file, so a project need not repeat them on every command.

The file is `AGENTFLOW_CONFIG` when set, else `agentflow.toml` in the current directory:

    [backend]
    name = "openai"          # template (default), openai, anthropic, deepseek, ollama
    model = "gpt-4o"         # overrides the model table for every subtask
    base_url = "http://127.0.0.1:8000/v1"
    max_cost = 0.50          # USD per build

Options given on the command line win over the file.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentflow.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["BackendSettings", "CONFIG_FILE", "load_backend_settings"]

CONFIG_FILE = "agentflow.toml"


@dataclass(frozen=True)
class BackendSettings:
    """Which backend builds packages, with which model, where, and within what budget."""

    name: str = "template"
    model: str | None = None
    base_url: str | None = None
    max_cost: float | None = None


def load_backend_settings(path: Path | None = None) -> BackendSettings:
    """The `[backend]` table of the config file; defaults when there is no file."""
    path = path or Path(os.environ.get("AGENTFLOW_CONFIG") or CONFIG_FILE)
    if not path.is_file():
        if os.environ.get("AGENTFLOW_CONFIG"):
            raise InputError(f"AGENTFLOW_CONFIG names {path}, which is not a file")
        return BackendSettings()
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("backend", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read the config file: {exc}") from exc
    return _settings(table, path)


def _settings(table: Any, path: Path) -> BackendSettings:
    """Checked values of a `[backend]` table."""
    if not isinstance(table, dict):
        raise InputError(f"{path}: [backend] must be a table")
    unknown = sorted(set(table) - {"name", "model", "base_url", "max_cost"})
    if unknown:
        raise InputError(f"{path}: unknown [backend] key(s): {', '.join(unknown)}")
    for key in ("name", "model", "base_url"):
        if key in table and not isinstance(table[key], str):
            raise InputError(f"{path}: [backend] {key} must be a string")
    max_cost = table.get("max_cost")
    if max_cost is not None and (
        isinstance(max_cost, bool) or not isinstance(max_cost, int | float) or max_cost < 0
    ):
        raise InputError(f"{path}: [backend] max_cost must be a number of USD, 0 or more")
    return BackendSettings(
        name=table.get("name", "template"),
        model=table.get("model"),
        base_url=table.get("base_url"),
        max_cost=None if max_cost is None else float(max_cost),
    )

"""Backend defaults from a config file, so a project need not repeat them on every command.

The file is `AGENTFLOW_CONFIG` when set, else `agentflow.toml` in the current directory:

    [backend]
    name = "openai"          # template (default), openai, anthropic, deepseek, ollama
    model = "gpt-4o"         # overrides the model table for every subtask
    base_url = "http://127.0.0.1:8000/v1"
    max_cost = 0.50          # USD per build
    fallback = ["anthropic"] # providers to try, in order, when the first one fails
    timeout = 120            # seconds per model call
    max_retries = 3          # retries of a failed call (429, 5xx, timeouts)
    workers = 4              # files generated at once (1 to 32)

Options given on the command line win over the file.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, replace
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
    fallback: tuple[str, ...] = ()
    timeout: float = 120.0
    max_retries: int = 3
    workers: int = 4

    def overridden(self, **values: Any) -> BackendSettings:
        """These settings with the values given (not None) instead; a different backend
        name drops the model and address that belonged to the configured one."""
        given = {key: value for key, value in values.items() if value is not None}
        if given.get("name", self.name) != self.name:
            given = {"model": None, "base_url": None, **given}
        return replace(self, **given)


def load_backend_settings(path: Path | None = None) -> BackendSettings:
    """The `[backend]` table of the config file; defaults when there is no file."""
    path = path or Path(os.environ.get("AGENTFLOW_CONFIG") or CONFIG_FILE)
    if not path.is_file():
        if os.environ.get("AGENTFLOW_CONFIG"):
            raise InputError(f"AGENTFLOW_CONFIG names {path}, which is not a file")
        return BackendSettings()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read the config file: {exc}") from exc
    unknown = sorted(set(document) - {"backend"})
    if unknown:
        raise InputError(f"{path}: unknown table(s) {', '.join(unknown)}; the file has [backend]")
    return _settings(document.get("backend", {}), path)


_STRINGS = ("name", "model", "base_url")
_NUMBERS = {"max_cost": (0.0, "a number of USD, 0 or more"), "timeout": (0.1, "seconds, > 0")}
_COUNTS = {
    "max_retries": (0, "a whole number, 0 or more"),
    "workers": (1, "a whole number from 1 to 32"),
}


def _settings(table: Any, path: Path) -> BackendSettings:
    """Checked values of a `[backend]` table."""
    if not isinstance(table, dict):
        raise InputError(f"{path}: [backend] must be a table")
    unknown = sorted(set(table) - {*_STRINGS, *_NUMBERS, *_COUNTS, "fallback"})
    if unknown:
        known = ", ".join(sorted({*_STRINGS, *_NUMBERS, *_COUNTS, "fallback"}))
        raise InputError(f"{path}: unknown [backend] key(s): {', '.join(unknown)} (known: {known})")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in _STRINGS:
            _require(isinstance(value, str), path, key, "a string")
        elif key == "fallback":
            _require(
                isinstance(value, list) and all(isinstance(v, str) for v in value),
                path,
                key,
                'a list of provider names, e.g. ["anthropic"]',
            )
            value = tuple(value)
        elif key in _NUMBERS:
            low, what = _NUMBERS[key]
            _require(_is_number(value) and value >= low, path, key, what)
            value = float(value)
        else:
            low, what = _COUNTS[key]
            whole = _is_number(value) and value == int(value) >= low
            _require(whole and (key != "workers" or value <= 32), path, key, what)
            value = int(value)
        values[key] = value
    return BackendSettings(**values)


def _is_number(value: Any) -> bool:
    """A finite int or float (TOML's `true`, `inf` and `nan` are not numbers here)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _require(condition: bool, path: Path, key: str, what: str) -> None:
    if not condition:
        raise InputError(f"{path}: [backend] {key} must be {what}")

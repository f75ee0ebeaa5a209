"""Backend defaults from a config file, so a project need not repeat them on every command.

The file is `AGENTFLOW_CONFIG` when set, else `agentflow.toml` in the current directory:

    [backend]
    name = "openai"          # template (default), openai, anthropic, deepseek, ollama
    model = "gpt-4o"         # overrides the model table for every subtask
    base_url = "http://127.0.0.1:8000/v1"
    max_cost = 0.50          # USD per build
    fallback = ["anthropic"] # providers to try, in order, when the first one fails
    timeout = 120            # seconds per model call, 1 to 3600
    max_retries = 3          # retries of a failed call (429, 5xx, timeouts), 0 to 10
    workers = 4              # files generated at once (1 to 32)

Options given on the command line win over the file. `fallback` also asks to keep the rendered
templates when a provider's key is missing or refused (`fallback = ["template"]` asks for only
that); without it, such a key stops the build.

The numbers have limits (`LIMITS`), checked here and, by `check_setting`, for the same options
of the Python API: a call waits at least a second (no model answers with a file sooner) and at
most an hour (longer only lets a stalled connection hold the build, and absurd values overflow
the HTTP client's clock); a failed call is retried at most 10 times.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeGuard

from agentflow.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "BackendSettings",
    "CONFIG_FILE",
    "LIMITS",
    "Limit",
    "check_setting",
    "load_backend_settings",
]

CONFIG_FILE = "agentflow.toml"


@dataclass(frozen=True)
class BackendSettings:
    """Which backend builds packages, with which model, where, and within what budget.

    `backend` is "template" (offline), an offline backend a plugin registers, or a model
    provider; the config file calls it `[backend] name` and the Python API `provider`.
    """

    backend: str = "template"
    model: str | None = None
    base_url: str | None = None
    max_cost: float | None = None
    fallback: tuple[str, ...] = ()
    timeout: float = 120.0
    max_retries: int = 3
    workers: int = 4

    @classmethod
    def merged(cls, settings: BackendSettings | None, **given: Any) -> BackendSettings:
        """`settings` (the defaults when None) overridden by the Python API's keyword options
        that were given (not None), every number checked under the keyword's name."""
        merged = (settings or cls()).overridden(**given)
        for key, label in _API_NAMES.items():
            value = getattr(merged, key)
            if value is not None:
                check_setting(key, value, label=label)
        return merged

    def overridden(self, **values: Any) -> BackendSettings:
        """These settings with the values given (not None) instead; a different backend
        drops the model and address that belonged to the configured one."""
        given = {key: value for key, value in values.items() if value is not None}
        if given.get("backend", self.backend) != self.backend:
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


@dataclass(frozen=True)
class Limit:
    """The values a number setting takes, and how to say so."""

    low: float
    high: float
    whole: bool
    what: str

    def allows(self, value: object) -> TypeGuard[float]:
        """Whether `value` is a finite number within the limit (and whole when it must be)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if isinstance(value, float) and not (
            math.isfinite(value) and (value.is_integer() or not self.whole)
        ):
            return False
        return self.low <= value <= self.high


LIMITS = {
    "max_cost": Limit(0.0, math.inf, whole=False, what="a number of USD, 0 or more"),
    "timeout": Limit(1.0, 3600.0, whole=False, what="between 1 and 3600 seconds"),
    "max_retries": Limit(0, 10, whole=True, what="a whole number from 0 to 10"),
    "workers": Limit(1, 32, whole=True, what="a whole number from 1 to 32"),
}


def check_setting(key: str, value: object, *, label: str | None = None) -> float:
    """`value` when setting `key` allows it; `InputError` naming the limits if not.

    `label` names the value in the message when the caller calls it otherwise.
    """
    limit = LIMITS[key]
    if not limit.allows(value):
        raise InputError(f"{label or key} must be {limit.what}, not {value!r}")
    return value


# What the Python API (`SmartOrchestrator`) calls each number setting.
_API_NAMES = {"max_cost": "max_cost", "timeout": "timeout", "max_retries": "max_retries"}
_API_NAMES["workers"] = "max_workers"
_STRINGS = ("name", "model", "base_url")
_KEYS = frozenset({*_STRINGS, *LIMITS, "fallback"})


def _settings(table: Any, path: Path) -> BackendSettings:
    """Checked values of a `[backend]` table."""
    if not isinstance(table, dict):
        raise InputError(f"{path}: [backend] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        known = ", ".join(sorted(_KEYS))
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
        else:
            limit = LIMITS[key]
            _require(limit.allows(value), path, key, limit.what)
            value = int(value) if limit.whole else float(value)
        values["backend" if key == "name" else key] = value
    return BackendSettings(**values)


def _require(condition: bool, path: Path, key: str, what: str) -> None:
    if not condition:
        raise InputError(f"{path}: [backend] {key} must be {what}")

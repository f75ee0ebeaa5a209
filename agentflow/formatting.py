"""The format stage: black, reached through this module only.

Formatting is deterministic and idempotent: formatting twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

import black

from agentflow.errors import RenderError

__all__ = ["format_files", "format_python"]

_MODE = black.Mode(target_versions={black.TargetVersion.PY310})


def format_python(source: str, *, path: str = "<generated>") -> str:
    """Return `source` formatted by black; a syntax error becomes a `RenderError`."""
    try:
        return black.format_str(source, mode=_MODE)
    except black.InvalidInput as exc:
        raise RenderError(f"{path} is not valid Python: {exc}") from exc


def format_files(files: Mapping[str, str]) -> dict[str, str]:
    """Format every `.py` file of `{path: text}`; other files pass through unchanged."""
    return {
        path: format_python(text, path=path) if path.endswith(".py") else text
        for path, text in files.items()
    }

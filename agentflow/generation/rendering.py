"""The one Jinja environment: template loading, escaping filters and globals.

User values reach generated code only through the filters registered in `FILTERS`
(defined in `agentflow.generation.filters`): `pyrepr` for Python literals, `docstring` and
`comment` for prose inside code, `ident` for identifiers, `yamlstr`/`tomlstr`/`mdtext`/
`mdcode` for the other file kinds. Undefined variables are errors, so a typo in a template
fails loudly instead of rendering an empty string. Compiled templates are cached on disk
(`cache_dir()`), keyed by each template's source checksum, so later runs skip compilation.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import platformdirs

from agentflow.errors import RenderError
from agentflow.generation.filters import ESCAPING_FILTERS

__all__ = ["FILTERS", "TEMPLATES_ROOT", "cache_dir", "get_environment", "render"]


def _find_templates_root() -> Path:
    """`agentflow/templates` in an installed wheel, `templates/` beside it in a checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "templates", package_dir.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"agentflow's templates are missing; looked in {package_dir}")


TEMPLATES_ROOT = _find_templates_root()

FILTERS: dict[str, Callable[..., Any]] = dict(ESCAPING_FILTERS)


def cache_dir() -> Path:
    """agentflow's cache folder: `AGENTFLOW_CACHE_DIR`, else the platform's user cache dir."""
    return Path(os.environ.get("AGENTFLOW_CACHE_DIR") or platformdirs.user_cache_dir("agentflow"))


class _BestEffortBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A bytecode cache that never fails a render: an unwritable cache is simply skipped."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    directory = cache_dir() / "templates"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _BestEffortBytecodeCache(str(directory))


@cache
def get_environment(template_dirs: tuple[Path, ...]) -> jinja2.Environment:
    """The environment for a pattern's template folders (cached per folder tuple)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(FILTERS)
    return env


def render(template_dirs: tuple[Path, ...], name: str, context: Mapping[str, Any]) -> str:
    """Render template `name` with `context`; failures become `RenderError`."""
    try:
        return get_environment(template_dirs).get_template(name).render(context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name} failed to render: {exc}") from exc

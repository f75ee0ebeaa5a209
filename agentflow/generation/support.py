"""The helper modules copied into a generated package: only those its adapter uses.

`agentflow.runtime` is the single source of the retry, rate-limit, circuit-breaker,
metrics, secrets, cache and error helpers. A generated package gets a verbatim copy of the
modules its pattern declares (`IntegrationPattern.runtime_modules`), plus the siblings they
import, as its own `<slug>_utils` package: it runs without agentflow installed, two generated
packages never collide in one environment, and its wheel carries no code it never runs. The
copy's `__init__.py` re-exports only what ships: the core class where agentflow's full one
extends it in a module that does not ship. A `py.typed` marker (PEP 561) sits in the
helper package and another beside the adapter module, which the package's build ships as a
package, since a marker can only mark a package: type checkers then read both as typed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from importlib import resources

from agentflow.errors import PluginError
from agentflow.python_ast import parse

__all__ = ["shipped_modules", "support_files"]

TYPED_MARKER = "py.typed"


def support_files(utils_module: str, modules: Iterable[str]) -> dict[str, str]:
    """`{relative path: source}` of the helper package under `utils_module/`, holding
    `modules` and what they import, and of the two typed markers; nothing when `modules`
    is empty."""
    shipped = shipped_modules(modules)
    if not shipped:
        return {}
    files = {f"{utils_module}/{name}.py": _source(name) for name in shipped}
    files[f"{utils_module}/__init__.py"] = _init_source(shipped)
    files[f"{utils_module}/{TYPED_MARKER}"] = files[TYPED_MARKER] = ""
    return files


@cache
def _runtime_modules() -> frozenset[str]:
    """Names of the modules of `agentflow.runtime` (its `__init__` left out)."""
    return frozenset(
        entry.name.removesuffix(".py")
        for entry in resources.files("agentflow.runtime").iterdir()
        if entry.name.endswith(".py") and entry.name != "__init__.py"
    )


def shipped_modules(modules: Iterable[str]) -> tuple[str, ...]:
    """`modules` and every runtime module they import, directly or not, sorted.

    An unknown name is a `PluginError`: a pattern declared a helper that does not exist.
    """
    wanted = set(modules)
    unknown = sorted(wanted - _runtime_modules())
    if unknown:
        raise PluginError(
            f"runtime_modules names {', '.join(map(repr, unknown))}, which agentflow.runtime "
            f"does not have; choose from: {', '.join(sorted(_runtime_modules()))}"
        )
    shipped: set[str] = set()
    while wanted:
        name = wanted.pop()
        shipped.add(name)
        wanted |= _sibling_imports(name) - shipped
    return tuple(sorted(shipped))


@cache
def _source(name: str) -> str:
    entry = resources.files("agentflow.runtime").joinpath(f"{name}.py")
    return entry.read_text(encoding="utf-8")


@cache
def _sibling_imports(name: str) -> frozenset[str]:
    """The runtime modules `name` imports (`from .errors import ...`)."""
    return frozenset(module for module, _ in _relative_imports(name))


def _relative_imports(name: str) -> list[tuple[str, tuple[str, ...]]]:
    """`(module, imported names)` of each `from .module import ...` of a runtime module."""
    tree = parse(_source(name), filename=f"{name}.py")
    return [
        (node.module, tuple(alias.name for alias in node.names))
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
    ]


def _init_source(shipped: tuple[str, ...]) -> str:
    """`agentflow.runtime`'s own `__init__.py` keeping only the re-exports of `shipped`,
    and its silence: a `NullHandler` on the package logger."""
    exports = _shipped_exports(shipped)
    docstring = ast.get_docstring(parse(_source("__init__")))
    imports = "".join(f"from .{module} import {', '.join(names)}\n" for module, names in exports)
    listed = "".join(f'    "{name}",\n' for name in sorted(n for _, ns in exports for n in ns))
    return (
        f'"""{docstring}"""\n\nfrom __future__ import annotations\n\nimport logging\n\n'
        f"{imports}\nlogging.getLogger(__name__).addHandler(logging.NullHandler())\n\n"
        f"__all__ = [\n{listed}]\n"
    )


def _shipped_exports(shipped: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """`(module, names)` of the `agentflow.runtime` exports that ship, by module.

    A name exported from a module that does not ship, but which that module imports from
    one that does (the full `RateLimiter` extends the core one of `rate_limiter`), ships
    in its core form, from there.
    """
    by_module: dict[str, set[str]] = {}
    for module, names in _relative_imports("__init__"):
        for name in names:
            origin = module if module in shipped else _shipped_origin(module, name, shipped)
            if origin is not None:
                by_module.setdefault(origin, set()).add(name)
    return [(module, sorted(names)) for module, names in sorted(by_module.items())]


def _shipped_origin(module: str, name: str, shipped: tuple[str, ...]) -> str | None:
    """The shipped module `module` imports `name` from, if any."""
    return next(
        (
            origin
            for origin, names in _relative_imports(module)
            if origin in shipped and name in names
        ),
        None,
    )

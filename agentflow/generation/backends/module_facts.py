"""What the names of a module mean to the guard, and which module attributes are allowed.

`ModuleFacts` records a module's kind, imports, the names it binds, the names the package's
adapter defines (what `import github_adapter` may reach) and the names bound to HTTP clients
(the sending capability, see `client_names`). `module_allowed` matches a dotted name against
`allow_list.MODULE_FORMS`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import takewhile

from agentflow.generation.backends.allow_list import HTTP_CLIENT_CLASSES, MODULE_FORMS
from agentflow.generation.backends.scopes import bound_names

__all__ = [
    "ModuleFacts",
    "canonical_name",
    "client_names",
    "dotted_name",
    "is_local_module",
    "module_allowed",
    "own_names",
]

_LOCAL_SUFFIXES = ("_adapter", "_utils")


@dataclass(frozen=True)
class ModuleFacts:
    """What names mean in a module of `kind` (code, tests or examples): its imports (name →
    dotted name), its other module-level names, the adapter's own names, HTTP client names."""

    kind: str
    imports: Mapping[str, str]
    module_names: frozenset[str]
    local_exports: frozenset[str] = frozenset()
    clients: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        tree: ast.Module,
        imports: Mapping[str, str],
        *,
        kind: str,
        exports: frozenset[str] = frozenset(),
        clients: frozenset[str] = frozenset(),
    ) -> ModuleFacts:
        """Facts of `tree`, whose imports are `imports`; `exports` are the adapter's own names
        (see `own_names`), kept only when `tree` imports a module of the package."""
        names, _ = bound_names(tree)
        if not any(is_local_module(dotted.split(".")[0]) for dotted in imports.values()):
            exports = frozenset()
        return cls(kind, imports, frozenset(names - set(imports)), exports, clients)

    @property
    def tests(self) -> bool:
        """Whether the module is a tests module (pytest fixtures are capabilities there)."""
        return self.kind == "tests"

    @property
    def strict_strings(self) -> bool:
        """Whether a new string must be a message: in code, not in tests or examples."""
        return self.kind == "code"


def client_names(tree: ast.AST, imports: Mapping[str, str]) -> frozenset[str]:
    """Names (or attribute names) bound to a new HTTP client in `tree`, whose imports are
    `imports`, by assignment or `with … as`; a value that may be one (`given or
    httpx.Client()`) counts."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            value, targets = node.context_expr, [node.optional_vars]
        else:
            continue
        if any(
            isinstance(part, ast.Call) and canonical_name(part.func, imports) in HTTP_CLIENT_CLASSES
            for part in ast.walk(value)
        ):
            found.update(t.attr for t in targets if isinstance(t, ast.Attribute))
            found.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(found)


@lru_cache(maxsize=4096)
def module_allowed(dotted: str) -> bool:
    """Whether the module attribute `dotted` matches the allow-list (and is no module)."""
    parts = dotted.split(".")
    for pattern in MODULE_FORMS:
        wanted = pattern.split(".")
        if len(wanted) != len(parts):
            continue
        if all(w == p or _wild(w, p) for w, p in zip(wanted, parts, strict=True)):
            return "*" not in pattern or not _is_module(wanted, parts)
    return False


def _wild(pattern: str, part: str) -> bool:
    if "*" not in pattern:
        return False
    prefix, _, suffix = pattern.partition("*")
    return part.startswith(prefix) and part.endswith(suffix) and not part.startswith("_")


def _is_module(pattern: list[str], parts: list[str]) -> bool:
    """Whether what a wildcard `pattern` matched names a module (unknown counts as one): never
    by wildcard. The pattern's own module is imported to look, whatever the process has
    imported so far: the allow-list is trusted and names only modules safe to import."""
    fixed = sum(1 for _ in takewhile(lambda wanted: "*" not in wanted, pattern))
    for size in range(fixed, 0, -1):
        try:
            value: object = importlib.import_module(".".join(parts[:size]))
        except ImportError:
            continue
        try:
            for part in parts[size:]:
                value = inspect.getattr_static(value, part)
        except AttributeError:
            return True
        return isinstance(value, types.ModuleType)
    return True


def own_names(tree: ast.Module, imports: Mapping[str, str]) -> frozenset[str]:
    """Module-level names a module defines (or takes from the package), not its imports."""
    imported = {
        name for name, dotted in imports.items() if not is_local_module(dotted.split(".")[0])
    }
    return frozenset(bound_names(tree)[0] - imported)


def is_local_module(top: str) -> bool:
    """Whether a top-level module name is the package's own (or a relative import)."""
    return top == "" or top.endswith(_LOCAL_SUFFIXES)


def canonical_name(node: ast.expr, imports: Mapping[str, str]) -> str | None:
    """The dotted name of `node` with its root read through `imports` (after `import httpx as
    h`, `h.Client` is `httpx.Client`); None for anything but attributes on a name."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    root, dot, rest = dotted.partition(".")
    return imports.get(root, root) + dot + rest


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attributes on a name; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])

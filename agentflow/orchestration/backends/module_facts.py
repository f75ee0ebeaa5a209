"""What the names of a module mean to the guard, and which module attributes are allowed.

`ModuleFacts` records a module's imports, the names it binds, the names the package's adapter
defines (what `import github_adapter` may reach) and the names bound to HTTP clients (the
sending capability). `module_allowed` matches a dotted name against `allow_list.MODULE_FORMS`.
"""

from __future__ import annotations

import ast
import inspect
import sys
import types
from dataclasses import dataclass, field
from functools import lru_cache

from agentflow.orchestration.backends.allow_list import HTTP_CLIENT_CLASSES, MODULE_FORMS
from agentflow.orchestration.backends.scopes import bound_names, import_bindings

__all__ = ["ModuleFacts", "dotted_name", "is_local_module", "module_allowed"]

_LOCAL_SUFFIXES = ("_adapter", "_utils")


@dataclass
class ModuleFacts:
    """What names mean in a module: imports, local modules' own names, HTTP client names."""

    imports: dict[str, str]
    module_names: set[str]
    local_exports: set[str] = field(default_factory=set)
    clients: set[str] = field(default_factory=set)
    strict_strings: bool = True
    tests: bool = False

    @classmethod
    def of(cls, tree: ast.Module, *, adapter: ast.Module | None, kind: str) -> ModuleFacts:
        """Facts of `tree`; `adapter` is the package's adapter module, when known."""
        imports = {name: dotted for name, dotted, _ in import_bindings(tree)}
        names, _ = bound_names(tree)
        exports = _own_names(adapter) if adapter is not None else set()
        facts = cls(imports, names - set(imports), exports, strict_strings=kind == "code")
        facts.tests = kind == "tests"
        return facts

    def note_clients(self, *trees: ast.Module) -> None:
        """Remember the names bound to HTTP clients in `trees` (the sending capability)."""
        for tree in trees:
            imports = {name: dotted for name, dotted, _ in import_bindings(tree)}
            for node in ast.walk(tree):
                targets: list[ast.expr] = []
                made = False
                if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                    made = _constructs_client(node.value, imports)
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                    made = _constructs_client(node.context_expr, imports)
                    targets = [node.optional_vars]
                if not targets or not made:
                    continue
                for target in targets:
                    if isinstance(target, ast.Attribute):
                        self.clients.add(target.attr)
                    elif isinstance(target, ast.Name):
                        self.clients.add(target.id)


def module_allowed(dotted: str) -> bool:
    """Whether the module attribute `dotted` matches the allow-list (and is no module)."""
    return _module_allowed(dotted)


@lru_cache(maxsize=4096)
def _module_allowed(dotted: str) -> bool:
    parts = dotted.split(".")
    for pattern in MODULE_FORMS:
        wanted = pattern.split(".")
        if len(wanted) != len(parts):
            continue
        if all(w == p or _wild(w, p) for w, p in zip(wanted, parts, strict=True)):
            return "*" not in pattern or not _is_module(parts)
    return False


def _wild(pattern: str, part: str) -> bool:
    if "*" not in pattern:
        return False
    prefix, _, suffix = pattern.partition("*")
    return part.startswith(prefix) and part.endswith(suffix) and not part.startswith("_")


def _is_module(parts: list[str]) -> bool:
    """Whether the attribute names a module (unknown counts as one): never by wildcard."""
    for size in range(len(parts) - 1, 0, -1):
        value: object = sys.modules.get(".".join(parts[:size]))
        if value is None:
            continue
        try:
            for part in parts[size:]:
                value = inspect.getattr_static(value, part)
        except AttributeError:
            return True
        return isinstance(value, types.ModuleType)
    return True


def _own_names(tree: ast.Module) -> set[str]:
    """Module-level names a module defines (or takes from the package), not its imports."""
    imported = {
        name
        for name, dotted, _ in import_bindings(tree)
        if not is_local_module(dotted.split(".")[0])
    }
    return bound_names(tree)[0] - imported


def is_local_module(top: str) -> bool:
    """Whether a top-level module name is the package's own (or a relative import)."""
    return top == "" or top.endswith(_LOCAL_SUFFIXES)


def _constructs_client(node: ast.expr, imports: dict[str, str]) -> bool:
    if not isinstance(node, ast.Call):
        return False
    dotted = dotted_name(node.func)
    if dotted is None:
        return False
    root, _, rest = dotted.partition(".")
    canonical = imports.get(root, root) + (f".{rest}" if rest else "")
    return canonical in HTTP_CLIENT_CLASSES


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attributes on a name; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])

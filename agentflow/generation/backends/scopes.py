"""Python scopes as the guard needs them: which names a function, class or comprehension binds.

Resolution errs towards the stricter reading: a name imported anywhere in the module always
means the import (binding it elsewhere is itself a form the guard lists), and only bindings
Python really makes local — not a comprehension's variables outside it, not a class body's
names inside its methods — shadow a module-level name. A builtin is hidden only by a
function's locals: a module or class body looks a name up when it reads it, so its binding
may not have run yet (`if False: open = print`).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["BUILTIN_NAMES", "NESTED_SCOPES", "Scope", "bound_names", "import_bindings"]

BUILTIN_NAMES = frozenset(dir(builtins))
NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
"""Statements and expressions whose body is a scope of its own."""
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class Scope:
    """One Python scope: `name` is the qualified name forms are counted under."""

    name: str
    kind: str  # module, class, function, lambda or comprehension
    names: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    parent: Scope | None = None

    def child(self, name: str, kind: str, names: set[str], declared: set[str]) -> Scope:
        """A nested scope; lambdas and comprehensions count their forms as this scope's."""
        qualified = self.name if kind in ("lambda", "comprehension") else name
        if kind not in ("lambda", "comprehension") and self.kind != "module":
            qualified = f"{self.name}.{name}"
        return Scope(qualified, kind, names, declared, self)

    def binds_locally(self, name: str, *, surely: bool = False) -> bool:
        """Whether `name` here is a local of this scope or of an enclosing function.

        With `surely`, a class body's names do not count: like a module's, they are looked
        up when read, and a binding that has not run (`if False: open = print`) leaves the
        builtin in place. A function's locals are its own wherever they are bound.
        """
        scope: Scope | None = self
        while scope is not None and scope.kind != "module":
            if name in scope.declared_global:
                return False
            if name in scope.names and (scope.kind != "class" or (scope is self and not surely)):
                return True
            scope = scope.parent
        return False


def bound_names(node: ast.AST) -> tuple[set[str], set[str]]:
    """(names the scope of `node` binds, names it declares global)."""
    binder = _Binder()
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        binder.arguments(node.args)
    body = node.body if isinstance(node, ast.Lambda) else getattr(node, "body", [])
    for child in body if isinstance(body, list) else [body]:
        binder.visit(child)
    if isinstance(node, _COMPREHENSIONS):
        for generator in node.generators:
            binder.visit(generator.target)
    return binder.names - binder.declared_global, binder.declared_global


def import_bindings(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """(name bound, dotted name it means) for every import in `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    yield alias.asname, alias.name
                else:
                    top = alias.name.split(".")[0]
                    yield top, top
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                yield alias.asname or alias.name, f"{module}.{alias.name}"


class _Binder(ast.NodeVisitor):
    """Collects what one scope binds, without entering nested scopes."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.declared_global: set[str] = set()

    def arguments(self, args: ast.arguments) -> None:
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        self.names.update(a.arg for a in every if a is not None)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store | ast.Del):
            self.names.add(node.id)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.names.add(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.names.add(node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        """A lambda's parameters are its own."""

    def visit_Global(self, node: ast.Global) -> None:
        self.declared_global.update(node.names)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            self.names.add(alias.asname or alias.name.split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.names.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.names.add(node.rest)
        self.generic_visit(node)

    def _comprehension(self, node: ast.AST) -> None:
        """Only an assignment expression inside (not inside a lambda) binds out here."""
        for inner in ast.iter_child_nodes(node):
            if isinstance(inner, ast.NamedExpr) and isinstance(inner.target, ast.Name):
                self.names.add(inner.target.id)
            if not isinstance(inner, ast.Lambda):
                self._comprehension(inner)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

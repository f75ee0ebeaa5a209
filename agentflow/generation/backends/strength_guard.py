"""Tests may only get stronger: a model adds tests, it never weakens or hides the template's.

Every statement of the template's tests module — each test, helper, fixture and constant,
recursively into function, class, `with`, `for`, `if` and `try` bodies — must still be in
the answer, in the same place and order, unchanged (docstrings aside). The statements a
model adds around them must not end a test early or swallow its failures (`return`, `raise`
outside `pytest.raises`, `try`, `break`, `yield`, `pytest.skip`, `sys.exit`…), nor patch the
code under test. Module-level names of the template are bound once, as in the template (a
second `def test_x` hides the first); no new skip or xfail mark, `pytestmark`, pytest hook
or autouse fixture appears.
"""

from __future__ import annotations

import ast
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase

from agentflow.generation.backends.allow_list import (
    EARLY_EXITS,
    PATCHING_METHODS,
    TEST_DECORATORS,
    TEST_HOOK_NAMES,
)
from agentflow.generation.backends.module_facts import canonical_name
from agentflow.generation.backends.scopes import NESTED_SCOPES, bound_names

__all__ = ["weakened_tests"]

_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_TRY_STAR = getattr(ast, "TryStar", ast.Try)  # `except*`, from Python 3.11
_SWALLOWING = (ast.Try, _TRY_STAR, ast.Return, ast.Yield, ast.YieldFrom, ast.Global)


def weakened_tests(
    path: str, answer: ast.Module, template: ast.Module, *, imports: Mapping[str, str]
) -> list[str]:
    """Why the answer's tests are weaker than the template's; empty when they are not.
    `imports` are the answer's (name → dotted name)."""
    checker = _Checker(path, imports)
    checker.embed(_statements(template.body), _statements(answer.body), "module level")
    checker.module_names(answer, template)
    return checker.problems


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """A body without its docstring: docstrings may change."""
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        return body[1:]
    return list(body)


class _Checker:
    def __init__(self, path: str, imports: Mapping[str, str]) -> None:
        self.path = path
        self.imports = imports
        self.problems: list[str] = []

    def fail(self, node: ast.AST, message: str) -> None:
        self.problems.append(f"{self.path}:{getattr(node, 'lineno', 0)}: {message}")

    # --- the template's statements survive ------------------------------------------

    def embed(self, template: list[ast.stmt], answer: list[ast.stmt], where: str) -> None:
        """Match `template` in order within `answer`; check what the answer adds."""
        position = 0
        for wanted in template:
            found = next(
                (i for i in range(position, len(answer)) if _same_header(wanted, answer[i])),
                None,
            )
            if found is None:
                shown = ast.unparse(wanted).splitlines()[0][:80]
                self.fail(wanted, f"template statement of {where} changed or removed: {shown}")
                continue
            for added in answer[position:found]:
                self.added(added, where)
            self.nested(wanted, answer[found], where)
            position = found + 1
        for added in answer[position:]:
            self.added(added, where)

    def nested(self, wanted: ast.stmt, got: ast.stmt, where: str) -> None:
        inner = getattr(wanted, "name", where) if isinstance(wanted, NESTED_SCOPES) else where
        if isinstance(wanted, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.decorators(wanted, got)
        for name in _BODIES:
            mine, theirs = getattr(wanted, name, None), getattr(got, name, None)
            if not isinstance(mine, list) or not isinstance(theirs, list):
                continue
            if name in ("handlers", "cases"):
                for sub_mine, sub_theirs in zip(mine, theirs, strict=False):
                    self.embed(sub_mine.body, sub_theirs.body, inner)
                continue
            strip = isinstance(wanted, NESTED_SCOPES) and name == "body"
            self.embed(
                _statements(mine) if strip else mine,
                _statements(theirs) if strip else theirs,
                inner,
            )

    def decorators(self, wanted: ast.AST, got: ast.AST) -> None:
        kept = Counter(ast.dump(d) for d in getattr(wanted, "decorator_list", []))
        for decorator in getattr(got, "decorator_list", []):
            if kept[ast.dump(decorator)] > 0:
                kept[ast.dump(decorator)] -= 1
            else:
                self.new_decorator(decorator, getattr(got, "name", "?"))

    # --- what the answer adds -----------------------------------------------------

    def added(self, node: ast.stmt, where: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                self.new_decorator(decorator, node.name)
            if where == "module level" or isinstance(node, ast.ClassDef):
                return  # a new test, helper, fixture or class: its body is its own
        self.early_exits(node, where)

    def new_decorator(self, decorator: ast.expr, name: str) -> None:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if canonical_name(target, self.imports) not in TEST_DECORATORS:
            self.fail(decorator, f"new decorator {ast.unparse(decorator)!r} on {name}")
        elif isinstance(decorator, ast.Call) and any(
            k.arg == "autouse" and not _false(k.value) for k in decorator.keywords
        ):
            self.fail(decorator, f"new autouse fixture {name}: it would run around every test")

    def early_exits(self, node: ast.stmt, where: str) -> None:
        """Added statements of a template scope: nothing that ends it early or patches."""
        for inner, in_loop, raising in _walk(node):
            reason = self.exit_reason(inner, in_loop, raising)
            if reason:
                self.fail(inner, f"added to {where}, {reason}: {ast.unparse(inner)[:60]!r}")

    def exit_reason(self, node: ast.AST, in_loop: bool, raising: bool) -> str | None:
        if isinstance(node, _SWALLOWING):
            return "can end the test early or swallow its failures"
        if isinstance(node, ast.Raise) and not raising:
            return "raises outside pytest.raises"
        if isinstance(node, ast.Break | ast.Continue) and not in_loop:
            return "can skip the template's statements"
        if isinstance(node, ast.Call):
            if canonical_name(node.func, self.imports) in EARLY_EXITS:
                return "can end the test early"
            if isinstance(node.func, ast.Attribute) and node.func.attr in PATCHING_METHODS:
                return "patches the code under test"
        return None

    # --- module-level names ---------------------------------------------------------

    def module_names(self, answer: ast.Module, template: ast.Module) -> None:
        theirs, mine = _bindings(template), _bindings(answer)
        for name, binders in sorted(mine.items()):
            if name in theirs and len(binders) > len(theirs[name]):
                again = binders[len(theirs[name])]
                self.fail(again, f"module-level name {name!r} is bound again, hiding the first")
            elif name not in theirs and any(fnmatchcase(name, h) for h in TEST_HOOK_NAMES):
                self.fail(binders[0], f"new pytest hook or setting {name!r}")
        template_params = _parameters(template)
        for node in answer.body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if _is_fixture(node) and node.name not in theirs and node.name in template_params:
                self.fail(node, f"new fixture {node.name!r} replaces one a template test uses")


def _walk(
    node: ast.AST, in_loop: bool = False, raising: bool = False
) -> Iterator[tuple[ast.AST, bool, bool]]:
    """Nodes of an added statement with whether a loop / `pytest.raises` encloses them;
    nested functions and classes are their own (only their calls run here)."""
    yield node, in_loop, raising
    if isinstance(node, NESTED_SCOPES):
        return
    loop = in_loop or isinstance(node, _LOOPS)
    raises = raising or (
        isinstance(node, ast.With | ast.AsyncWith)
        and any("raises" in ast.unparse(item.context_expr) for item in node.items)
    )
    for child in ast.iter_child_nodes(node):
        yield from _walk(child, loop, raises)


def _same_header(wanted: ast.stmt, got: ast.stmt) -> bool:
    """Whether `got` is `wanted` with only its bodies extended (and, for a function, its
    decorators and parameters: new fixtures may be asked for, annotations may change)."""
    if type(wanted) is not type(got):
        return False
    for name, value in ast.iter_fields(wanted):
        if name in _BODIES or name in ("decorator_list", "returns", "type_comment"):
            continue
        if name == "args" and isinstance(value, ast.arguments):
            if not _extended(value, getattr(got, name)):
                return False
        elif _dump(value) != _dump(getattr(got, name)):
            return False
    return _same_parts(wanted, got)


def _extended(wanted: ast.arguments, got: ast.arguments) -> bool:
    """Same parameters, defaults included, possibly followed by new ones without defaults."""
    if [a.arg for a in got.args[: len(wanted.args)]] != [a.arg for a in wanted.args]:
        return False
    if _dump(wanted.defaults) != _dump(got.defaults):
        return False
    others = ("posonlyargs", "vararg", "kwonlyargs", "kw_defaults", "kwarg")
    return all(_names(getattr(wanted, f)) == _names(getattr(got, f)) for f in others)


def _names(value: object) -> object:
    if isinstance(value, list):
        return [_names(v) for v in value]
    if isinstance(value, ast.arg):
        return value.arg
    return _dump(value)


def _dump(value: object) -> object:
    if isinstance(value, ast.AST):
        return ast.dump(value)
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


def _same_parts(wanted: ast.stmt, got: ast.stmt) -> bool:
    """Handlers and match cases keep their headers too."""
    for name in ("handlers", "cases"):
        mine, theirs = getattr(wanted, name, None), getattr(got, name, None)
        if mine is None:
            continue
        if len(mine) != len(theirs or []):
            return False
        for a, b in zip(mine, theirs or [], strict=True):
            heads = [f for f in ("type", "name", "pattern", "guard") if hasattr(a, f)]
            if any(_dump(getattr(a, f)) != _dump(getattr(b, f)) for f in heads):
                return False
    return True


def _bindings(tree: ast.Module) -> dict[str, list[ast.stmt]]:
    """The module-level statements binding each module-level name (defining, assigning,
    importing it), in order."""
    found: defaultdict[str, list[ast.stmt]] = defaultdict(list)
    for node in tree.body:
        names, _ = bound_names(ast.Module(body=[node], type_ignores=[]))
        for name in names:
            found[name].append(node)
    return found


def _parameters(tree: ast.Module) -> set[str]:
    return {
        arg.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for arg in [*node.args.args, *node.args.kwonlyargs]
    }


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any("fixture" in ast.unparse(d) for d in node.decorator_list)


def _false(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is False

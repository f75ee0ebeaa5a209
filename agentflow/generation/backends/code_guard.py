"""The semantic guard for Python answers: what an answer adds must be on the allow-list.

`forms` lists, scope by scope, everything in a (folded) module that is not allowed
everywhere (see `allow_list`); `new_forms` keeps those an answer has more often than the
template's same scope. Test and example files may hold any string (test data, arguments);
in other files a new string must be a message (docstring, exception, log line, prose).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from agentflow.generation.backends.allow_list import (
    BUILTINS,
    CAPABILITY_FIXTURES,
    INTROSPECTION_ATTRIBUTES,
    MESSAGE_METHODS,
    SAFE_DUNDERS,
    SPECIAL_METHODS,
)
from agentflow.generation.backends.module_facts import (
    ModuleFacts,
    dotted_name,
    is_local_module,
    module_allowed,
)
from agentflow.generation.backends.scopes import BUILTIN_NAMES, Scope, bound_names

__all__ = ["Form", "forms", "new_forms"]

_DUNDER = re.compile(r"__[A-Za-z0-9_]+__")
_ESCAPE_WORDS = re.compile(r"\b(?:" + "|".join(sorted(INTROSPECTION_ATTRIBUTES)) + r")\b")
_WORD = re.compile(r"[A-Za-z]{2,}")
_MESSAGE_SUFFIXES = ("Error", "Exception", "Warning")


@dataclass(frozen=True)
class Form:
    """Something an answer does that needs the template's say-so, where it does it; a new
    import also carries the name it imports."""

    scope: str
    text: str
    reason: str
    line: int
    imported: str | None = None

    def problem(self, path: str) -> str:
        """The form as a problem with the file at `path`, for the repair prompt."""
        if self.imported is not None:
            return f"{path}:{self.line}: new import {self.imported!r} in {self.scope}"
        return f"{path}:{self.line}: {self.text} is not allowed in {self.scope} ({self.reason})"


def new_forms(answer: Iterable[Form], template: Iterable[Form]) -> list[Form]:
    """The answer's forms beyond the template's count of the same form in the same scope."""
    left = Counter((f.scope, f.text) for f in template)
    extra = []
    for form in answer:
        if left[form.scope, form.text] > 0:
            left[form.scope, form.text] -= 1
        else:
            extra.append(form)
    return extra


def forms(tree: ast.Module, facts: ModuleFacts) -> list[Form]:
    """Every form of a folded module that is not allowed everywhere, in source order."""
    scanner = _Scanner(facts)
    scanner.body(tree.body, Scope("module level", "module"))
    return sorted(scanner.found, key=lambda f: f.line)


def _is_prose(text: str) -> bool:
    """A sentence rather than a token: whitespace and at least two words."""
    return any(c.isspace() for c in text) and len(_WORD.findall(text)) >= 2


class _Scanner:
    """Walks a module scope by scope, collecting forms."""

    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.found: list[Form] = []

    def add(self, scope: Scope, node: ast.AST, text: str, reason: str) -> None:
        self.found.append(Form(scope.name, text, reason, getattr(node, "lineno", 0)))

    # --- statements ------------------------------------------------------------------

    def body(self, statements: list[ast.stmt], scope: Scope) -> None:
        for statement in statements:
            self.statement(statement, scope)

    def statement(self, node: ast.stmt, scope: Scope) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.function(node, scope)
        elif isinstance(node, ast.ClassDef):
            self.klass(node, scope)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self.imports(node, scope)
        elif isinstance(node, ast.Global):
            for name in node.names:
                self.add(scope, node, f"global {name}", "rebinds a module-level name")
        elif isinstance(node, ast.Expr):  # a docstring or a bare string is a comment
            self.expr(node.value, scope, message=isinstance(node.value, ast.Constant))
        elif isinstance(node, ast.Raise):
            for part in (node.exc, node.cause):
                if part is not None:
                    self.expr(part, scope, message=True)
        elif isinstance(node, ast.Assert):
            self.expr(node.test, scope)
            if node.msg is not None:
                self.expr(node.msg, scope, message=True)
        elif isinstance(node, ast.AnnAssign):
            self.expr(node.target, scope)
            self.expr(node.annotation, scope, annotation=True)
            if node.value is not None:
                self.expr(node.value, scope)
        else:
            self.children(node, scope)

    def children(self, node: ast.AST, scope: Scope, *, message: bool = False) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.statement(child, scope)
            elif isinstance(child, ast.expr):
                self.expr(child, scope, message=message)
            else:
                self.children(child, scope, message=message)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        for decorator in node.decorator_list:
            self.expr(decorator, scope)
        self.arguments(node.args, scope)
        if node.returns is not None:
            self.expr(node.returns, scope, annotation=True)
        if _DUNDER.fullmatch(node.name) and node.name not in SPECIAL_METHODS:
            self.add(scope, node, f"def {node.name}", "a special method that runs implicitly")
        names, declared = bound_names(node)
        inner = scope.child(node.name, "function", names, declared)
        if self.facts.tests:
            for arg in [*node.args.args, *node.args.kwonlyargs]:
                if arg.arg in CAPABILITY_FIXTURES:
                    self.add(inner, arg, f"fixture {arg.arg}", "reaches files or the session")
        self.body(node.body, inner)

    def arguments(self, args: ast.arguments, scope: Scope) -> None:
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.expr(default, scope)
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        for arg in every:
            if arg is not None and arg.annotation is not None:
                self.expr(arg.annotation, scope, annotation=True)

    def klass(self, node: ast.ClassDef, scope: Scope) -> None:
        for expression in [*node.decorator_list, *node.bases]:
            self.expr(expression, scope)
        for keyword in node.keywords:
            self.add(scope, node, f"class {node.name}({keyword.arg}=…)", "a class keyword")
            self.expr(keyword.value, scope)
        names, declared = bound_names(node)
        self.body(node.body, scope.child(node.name, "class", names, declared))

    def imports(self, node: ast.Import | ast.ImportFrom, scope: Scope) -> None:
        module = "" if isinstance(node, ast.Import) else "." * node.level + (node.module or "")
        for alias in node.names:
            name = f"{module}:{alias.name}" if module else alias.name
            shown = f"{name} as {alias.asname}" if alias.asname else name
            self.found.append(Form(scope.name, f"import {shown}", "new import", node.lineno, shown))

    # --- expressions -----------------------------------------------------------------

    def expr(
        self, node: ast.expr, scope: Scope, *, message: bool = False, annotation: bool = False
    ) -> None:
        if isinstance(node, ast.Constant):
            self.constant(node, scope, message=message, annotation=annotation)
        elif isinstance(node, ast.JoinedStr):
            self.fstring(node, scope, message=message)
        elif isinstance(node, ast.Name | ast.Attribute):
            self.chain(node, scope, annotation=annotation)
        elif isinstance(node, ast.Call):
            self.call(node, scope, message=message)
        elif isinstance(node, ast.Lambda):
            self.arguments(node.args, scope)
            names, declared = bound_names(node)
            self.expr(node.body, scope.child("<lambda>", "lambda", names, declared))
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            self.comprehension(node, scope)
        elif isinstance(node, ast.NamedExpr):
            self.expr(node.target, scope)
            self.expr(node.value, scope, message=message)
        else:
            self.children(node, scope, message=message)

    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp, scope: Scope
    ) -> None:
        names, declared = bound_names(node)
        inner = scope.child("<comprehension>", "comprehension", names, declared)
        for index, generator in enumerate(node.generators):
            self.expr(generator.iter, scope if index == 0 else inner)
            self.expr(generator.target, inner)
            for condition in generator.ifs:
                self.expr(condition, inner)
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for part in parts:
            self.expr(part, inner)

    def call(self, node: ast.Call, scope: Scope, *, message: bool) -> None:
        self.expr(node.func, scope)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "format_map"):
            self.format_call(node, scope)
        message = message or self.is_message_call(node.func)
        for part in [*node.args, *(k.value for k in node.keywords)]:
            self.expr(part, scope, message=message)

    def format_call(self, node: ast.Call, scope: Scope) -> None:
        """A format string may not reach attributes or items of its arguments."""
        assert isinstance(node.func, ast.Attribute)
        template = node.func.value
        literal = template.value if isinstance(template, ast.Constant) else None
        if node.func.attr == "format_map" or not isinstance(literal, str):
            self.add(scope, node, f".{node.func.attr}() of a computed format", "dynamic format")
        elif re.search(r"\{[^{}!:]*[.\[]", literal):
            self.add(scope, node, f"format {literal!r}", "reaches attributes")

    def is_message_call(self, func: ast.expr) -> bool:
        """Logging, printing, warning and exceptions take messages."""
        dotted = dotted_name(func) or ""
        last = dotted.rsplit(".", 1)[-1]
        if isinstance(func, ast.Attribute) and func.attr in MESSAGE_METHODS:
            return True
        if last == "print" or last.endswith(_MESSAGE_SUFFIXES):
            return True
        return dotted in BUILTIN_NAMES and dotted[:1].isupper()

    def constant(
        self, node: ast.Constant, scope: Scope, *, message: bool, annotation: bool
    ) -> None:
        value = node.value
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if not isinstance(value, str):
            return
        self.escapes_in_string(value, node, scope)
        if self.facts.strict_strings and not (message or annotation or _is_prose(value)):
            self.add(scope, node, f"string {value!r}", "a new string outside a message")

    def fstring(self, node: ast.JoinedStr, scope: Scope, *, message: bool) -> None:
        text = "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
        self.escapes_in_string(text, node, scope)
        if self.facts.strict_strings and not (message or _is_prose(text)):
            self.add(scope, node, f"f-string {text!r}", "a new string outside a message")
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                self.expr(part.value, scope, message=message)
                if part.format_spec is not None:
                    self.expr(part.format_spec, scope, message=True)

    def escapes_in_string(self, text: str, node: ast.AST, scope: Scope) -> None:
        words = {m for m in _DUNDER.findall(text) if m not in SAFE_DUNDERS}
        words.update(_ESCAPE_WORDS.findall(text))
        for word in sorted(words):
            self.add(scope, node, f"{word!r} in a string", "names an interpreter internal")

    # --- names and attribute chains ----------------------------------------------------

    def chain(self, node: ast.Name | ast.Attribute, scope: Scope, *, annotation: bool) -> None:
        attrs: list[str] = []
        root: ast.expr = node
        while isinstance(root, ast.Attribute):
            attrs.append(root.attr)
            root = root.value
        attrs.reverse()
        store = not isinstance(node.ctx, ast.Load)
        if isinstance(root, ast.Name):
            found = self.judge(root.id, attrs, scope, store=store, annotation=annotation)
        else:
            self.expr(root, scope)
            found = self.value_forms("(…)", attrs)
        for text, reason in found:
            self.add(scope, node, text, reason)

    def judge(
        self, name: str, attrs: list[str], scope: Scope, *, store: bool, annotation: bool
    ) -> Iterator[tuple[str, str]]:
        """(form, reason) for a name and the attributes read from it."""
        dotted = ".".join([name, *attrs])
        if name in self.facts.imports:
            yield from self.imported(name, attrs, store=store, annotation=annotation)
            return
        bound = scope.binds_locally(name) or name in self.facts.module_names
        if bound and name in self.facts.clients:
            yield dotted, "reaches the HTTP client outside the template's sending call"
        # Binding the name itself is no read of the builtin; reading it is, unless a function
        # binds it: a module or class body's binding may not have run (`Scope.binds_locally`).
        if not ((store and not attrs) or scope.binds_locally(name, surely=True)):
            if _DUNDER.fullmatch(name) and name not in SAFE_DUNDERS:
                yield dotted, "an interpreter internal"
            elif name in BUILTIN_NAMES and name not in BUILTINS:
                yield name, "a builtin that reaches code, files or the interpreter"
        yield from self.value_forms(name, attrs)

    def imported(
        self, name: str, attrs: list[str], *, store: bool, annotation: bool
    ) -> Iterator[tuple[str, str]]:
        canonical = self.facts.imports[name]
        parts = [*canonical.split("."), *attrs]
        dotted = ".".join(parts)
        if store:
            yield f"{dotted} =", "rebinds an import or patches a module"
            return
        if is_local_module(parts[0]):
            yield from self.local_module(canonical, attrs)
            return
        for size in range(len(parts), 1, -1):
            if module_allowed(".".join(parts[:size])):
                yield from self.value_forms(".".join(parts[:size]), parts[size:])
                return
        if annotation and not any(_DUNDER.fullmatch(p) for p in parts):
            return
        yield dotted, "a module attribute not on the allow-list"

    def local_module(self, canonical: str, attrs: list[str]) -> Iterator[tuple[str, str]]:
        """The package's own modules: only names the adapter itself defines."""
        is_module = "." not in canonical or is_local_module(canonical.split(".")[-1])
        if is_module and attrs:
            first = attrs[0]
            if first not in self.facts.local_exports and first not in SAFE_DUNDERS:
                yield f"{canonical}.{first}", "a name the package module imports, not defines"
            yield from self.value_forms(f"{canonical}.{first}", attrs[1:])
            return
        yield from self.value_forms(canonical, attrs)

    def value_forms(self, root: str, attrs: list[str]) -> Iterator[tuple[str, str]]:
        """Attributes of a value: no escape from the object model, no HTTP client."""
        for index, attr in enumerate(attrs):
            reached = ".".join([root, *attrs[: index + 1]])
            if (_DUNDER.fullmatch(attr) and attr not in SAFE_DUNDERS) or (
                attr in INTROSPECTION_ATTRIBUTES
            ):
                yield reached, "an attribute that escapes the object model"
            elif attr in self.facts.clients:
                yield ".".join([root, *attrs]), "reaches the HTTP client outside its sending call"
                return

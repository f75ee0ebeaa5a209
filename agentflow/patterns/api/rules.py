"""The API pattern's own rules for a generated package, each problem one clear sentence.

- Every client class has endpoint methods (or, without declared endpoints, the generic
  `request` and its `get`/`post`/… shortcuts, which count as endpoint methods here), and
  every one of them is exercised by the package's tests. The methods of its resource
  objects (`client.issues.list`: the public classes a client hands itself to, as
  `Issues(self)`, and so on from those) are endpoint methods too, held to the same rules.
- Every HTTP request goes through the client's single `_request` method, which consults
  the circuit breaker and the rate limiter and sleeps between retries; nothing else calls
  httpx to send.
- Every endpoint method takes the per-call options `timeout`, `max_retries` and extra
  headers (`extra_headers`, or `headers` on the generic client), and the adapter defines
  every SDK error class (`APIStatusError`, `NotFoundError`, … see `naming.SDK_ERRORS`).
- No function or class is defined twice in one scope (the first would silently never run,
  e.g. a hidden test).
- No file holds a hard-coded credential (token-like literals assigned to secret-sounding
  names, `Bearer <literal>`, provider key formats, credentials inside URLs).

Files are found by name: `*_adapter.py` (the adapter) and `test_*_adapter.py` (its tests).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from agentflow.patterns import find_secrets, is_adapter_file, parse_python
from agentflow.patterns.api.naming import SDK_ERRORS

__all__ = ["REQUEST_METHOD", "check_api_package"]

REQUEST_METHOD = "_request"
_SENDING = frozenset(
    {"delete", "get", "head", "options", "patch", "post", "put", "request", "send", "stream"}
)
_CLIENT_CLASSES = frozenset({"Client", "AsyncClient"})
# Client members that are not endpoints.
_LIFECYCLE = frozenset({"close", "aclose", "with_options"})
# Per-call options every endpoint method takes; one of each group.
_CALL_OPTIONS = (("timeout",), ("max_retries",), ("extra_headers", "headers"))
# What `_request` must mention: the breaker check, the limiter, a wait between attempts.
_REQUEST_DUTIES = (
    ("before_call", "the circuit breaker (before_call)"),
    ("acquire", "the rate limiter (acquire)"),
    ("sleep", "a wait between retries (sleep)"),
)


def check_api_package(files: Mapping[str, str]) -> list[str]:
    """Problems found in an API package's files (`{relative path: text}`), sorted by file."""
    problems: list[str] = []
    parsed = {
        path: _parse(path, text) for path, text in sorted(files.items()) if path.endswith(".py")
    }
    adapters = sorted(p for p in files if is_adapter_file(p))
    if not adapters:
        problems.append("the package has no adapter module (a file named *_adapter.py)")
    for path in adapters:
        problems.extend(_check_adapter(path, parsed))
    for path, (tree, _) in parsed.items():
        if tree is not None:  # a syntax error is reported with the adapter, or by validation
            problems.extend(_redefinitions(path, tree))
    for path in sorted(files):
        problems.extend(
            f"{finding}; read it from an environment variable instead"
            for finding in find_secrets(path, files[path])
        )
    return problems


def _parse(path: str, text: str) -> tuple[ast.Module | None, list[str]]:
    try:
        return parse_python(text, filename=path), []
    except SyntaxError as exc:
        return None, [f"{path}:{exc.lineno}: does not parse as Python: {exc.msg}"]


def _check_adapter(
    path: str, parsed: Mapping[str, tuple[ast.Module | None, list[str]]]
) -> list[str]:
    tree, problems = parsed[path]
    if tree is None:
        return problems
    problems = _single_request_path(path, tree) + _clients_without_methods(path, tree)
    problems += _missing_call_options(path, tree) + _missing_error_classes(path, tree)
    pure = PurePosixPath(path)
    test_path = str(pure.with_name(f"test_{pure.name}"))
    if test_path not in parsed:
        return [*problems, f"{path} has no test module; expected {test_path}"]
    test_tree, test_problems = parsed[test_path]
    if test_tree is None:
        return problems + test_problems
    return problems + _untested_endpoints(path, tree, test_path, test_tree)


# --- nothing is defined twice --------------------------------------------------------


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _redefinitions(path: str, tree: ast.Module) -> list[str]:
    """Functions and classes defined twice in one scope: only the last one ever runs."""
    problems = []
    scopes: list[ast.Module | ast.ClassDef] = [tree]
    scopes += [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    for scope in scopes:
        earlier: dict[str, Definition] = {}
        for node in scope.body:
            if not isinstance(node, Definition):
                continue
            before = earlier.get(node.name)
            if before is not None and not _may_follow(before, node):
                problems.append(
                    f"{path}:{node.lineno}: {node.name} is defined again (first at line "
                    f"{before.lineno}), so the first definition never runs"
                )
            earlier[node.name] = node
    return problems


def _may_follow(before: Definition, node: Definition) -> bool:
    """A definition after a `typing.overload` stub, and a property's setter or deleter,
    legitimately reuse a name."""
    return _decorated(before, ("overload",)) or _decorated(node, (".setter", ".deleter"))


def _decorated(node: Definition, endings: tuple[str, ...]) -> bool:
    return any(ast.unparse(d).endswith(endings) for d in node.decorator_list)


# --- every endpoint method is tested -------------------------------------------------


def _client_classes(tree: ast.Module) -> Iterator[ast.ClassDef]:
    """Public classes named `*Client`: the ones carrying endpoint methods."""
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
            continue
        if node.name.endswith("Client"):
            yield node


def _resource_classes(tree: ast.Module, *clients: ast.ClassDef) -> Iterator[ast.ClassDef]:
    """Public classes bound to `clients` (all client classes by default), transitively:
    those a client or a resource class constructs with itself or an attribute of itself
    (`Issues(self)`, `X(client=self)`, `X(self._client)`), in the order found."""
    public = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_")
    }
    owners = list(clients or _client_classes(tree))
    seen = {owner.name for owner in _client_classes(tree)}
    while owners:
        for name in _bound_by(owners.pop(0)):
            if name in public and name not in seen:
                seen.add(name)
                owners.append(public[name])
                yield public[name]


def _bound_by(owner: ast.ClassDef) -> list[str]:
    """Names of the classes `owner` constructs with `self` (or `self.<attribute>`), sorted."""
    names = set()
    for node in ast.walk(owner):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
            if any(_rooted_at_self(argument) for argument in arguments):
                names.add(node.func.id)
    return sorted(names)


def _rooted_at_self(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id == "self"


def _endpoint_classes(tree: ast.Module) -> Iterator[tuple[ast.ClassDef, bool]]:
    """(class, whether it is a resource class) of every class holding endpoint methods."""
    for cls in _client_classes(tree):
        yield cls, False
    for cls in _resource_classes(tree):
        yield cls, True


def _endpoint_methods(cls: ast.ClassDef) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Public, undecorated methods that are not lifecycle methods."""
    for node in cls.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if node.name.startswith("_") or node.name in _LIFECYCLE or node.decorator_list:
            continue
        yield node


def _clients_without_methods(path: str, tree: ast.Module) -> list[str]:
    """A client with no method to call the service, neither its own nor on a resource
    object: its tests could never fail."""
    return [
        f"{path}:{cls.lineno}: {cls.name} has no endpoint methods and no generic request "
        "method; declare endpoints or keep the generated `request`"
        for cls in _client_classes(tree)
        if not any(
            any(True for _ in _endpoint_methods(owner))
            for owner in (cls, *_resource_classes(tree, cls))
        )
    ]


def _missing_call_options(path: str, tree: ast.Module) -> list[str]:
    """Endpoint methods a caller could not give a timeout, retries or headers to."""
    problems = []
    for cls, _ in _endpoint_classes(tree):
        for method in _endpoint_methods(cls):
            taken = {a.arg for a in (*method.args.args, *method.args.kwonlyargs)}
            missing = [group[0] for group in _CALL_OPTIONS if not taken.intersection(group)]
            if missing:
                problems.append(
                    f"{path}:{method.lineno}: {cls.name}.{method.name} takes no "
                    f"{', '.join(missing)}; every endpoint method takes the per-call options"
                )
    return problems


def _missing_error_classes(path: str, tree: ast.Module) -> list[str]:
    """SDK error classes the adapter does not define: callers could not catch that status."""
    defined = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    missing = sorted(set(SDK_ERRORS.values()) - defined)
    if not missing:
        return []
    return [f"{path}: defines no {', '.join(missing)}; keep every generated error class"]


def _names_used(tree: ast.Module) -> set[str]:
    """Identifiers, attribute names and string constants appearing in a module."""
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            used.add(node.value)
    return used


def _attributes_used(tree: ast.Module) -> set[str]:
    """Attribute names read in a module (`issues.list` reads `list`)."""
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


def _untested_endpoints(
    path: str, tree: ast.Module, test_path: str, test_tree: ast.Module
) -> list[str]:
    """Endpoint methods the tests never name; a resource method (often called `list` or
    `get`, like builtins) must be read as an attribute."""
    used, attributes = _names_used(test_tree), _attributes_used(test_tree)
    return [
        f"{path}:{method.lineno}: endpoint method {cls.name}.{method.name} is never called "
        f"in {test_path}"
        for cls, resource in _endpoint_classes(tree)
        for method in _endpoint_methods(cls)
        if method.name not in (attributes if resource else used)
    ]


# --- one request path ---------------------------------------------------------------


@dataclass
class _HttpxNames:
    """How a module refers to httpx: module aliases, imported names, client objects."""

    modules: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    clients: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, tree: ast.Module) -> _HttpxNames:
        names = cls()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.modules |= {a.asname or a.name for a in node.names if a.name == "httpx"}
            elif isinstance(node, ast.ImportFrom) and node.module == "httpx":
                for alias in node.names:
                    bucket = names.classes if alias.name in _CLIENT_CLASSES else names.functions
                    bucket.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            names._note_client(node)
        return names

    def _note_client(self, node: ast.AST) -> None:
        """Remember names bound to a new httpx client (assignments and `with ... as`)."""
        pairs: list[tuple[ast.expr, ast.expr | None]] = []
        if isinstance(node, ast.Assign):
            pairs = [(target, node.value) for target in node.targets]
        elif isinstance(node, ast.AnnAssign):
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.With | ast.AsyncWith):
            pairs = [(i.optional_vars, i.context_expr) for i in node.items if i.optional_vars]
        for target, value in pairs:  # a value that may be a new client (`a or Client()`) is one
            if value is not None and any(
                isinstance(v, ast.expr) and self.creates_client(v) for v in ast.walk(value)
            ):
                self.clients.add(ast.unparse(target))

    def creates_client(self, node: ast.expr) -> bool:
        """Whether `node` is a call constructing `httpx.Client`/`httpx.AsyncClient`."""
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        if isinstance(func, ast.Name):
            return func.id in self.classes
        return (
            isinstance(func, ast.Attribute)
            and func.attr in _CLIENT_CLASSES
            and ast.unparse(func.value) in self.modules
        )

    def sends(self, call: ast.Call) -> str | None:
        """The source of the sending callee if `call` sends an HTTP request, else None."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.functions:
            return func.id if func.id in _SENDING else None
        if not isinstance(func, ast.Attribute) or func.attr not in _SENDING:
            return None
        owner = func.value
        if ast.unparse(owner) in self.modules | self.clients or self.creates_client(owner):
            return ast.unparse(func)
        return None


def _single_request_path(path: str, tree: ast.Module) -> list[str]:
    names = _HttpxNames.of(tree)
    problems = [
        f"{path}:{call.lineno}: {where} sends a request with {callee}() outside "
        f"{REQUEST_METHOD}, bypassing retries, rate limiting and the circuit breaker"
        for where, call in _calls_outside_request(tree)
        if (callee := names.sends(call))
    ]
    for cls in _client_classes(tree):
        problems.extend(_request_duties(path, cls))
    return problems


def _calls_outside_request(tree: ast.Module) -> Iterator[tuple[str, ast.Call]]:
    """(enclosing function's qualified name, call) for calls outside any `_request`."""

    def visit(node: ast.AST, scope: str) -> Iterator[tuple[str, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if child.name == REQUEST_METHOD:
                    continue
                yield from visit(child, f"{scope}.{child.name}" if scope else child.name)
                continue
            if isinstance(child, ast.Call):
                yield (scope or "module level", child)
            yield from visit(child, scope)

    yield from visit(tree, "")


def _request_duties(path: str, cls: ast.ClassDef) -> list[str]:
    methods = [
        node
        for node in cls.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == REQUEST_METHOD
    ]
    if not methods:
        if any(True for _ in _endpoint_methods(cls)):
            return [f"{path}:{cls.lineno}: {cls.name} has endpoint methods but no {REQUEST_METHOD}"]
        return []
    mentioned = _names_used(ast.Module(body=list(methods[0].body), type_ignores=[]))
    return [
        f"{path}:{methods[0].lineno}: {cls.name}.{REQUEST_METHOD} never consults {duty}"
        for marker, duty in _REQUEST_DUTIES
        if not any(marker in name for name in mentioned)
    ]

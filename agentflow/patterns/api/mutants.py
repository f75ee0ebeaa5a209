"""The API pattern's mutants: faults in a generated client that its tests must catch.

==============  ==========================================  ===================================
mutant          fault                                       caught by
==============  ==========================================  ===================================
wrong_path      every endpoint request goes elsewhere       a test of the path each endpoint
                                                            requests
wrong_method    every endpoint request uses another method  a test of the HTTP method
                (GET and POST, PUT and PATCH swapped; the
                rest become GET)
auth_dropped    credentials are read but never sent         a test that the credentials reach
                                                            the request
retry_disabled  every call makes one attempt only           a test that a failed attempt is
                                                            tried again
==============  ==========================================  ===================================

Targets are found in the adapter's syntax tree as the template writes them: an endpoint
request is a call whose first argument is an HTTP method literal and whose second is its path
(a literal, an f-string, or `_path("<template>", …)`, or the `path` argument that the generic
client's shortcuts pass on: `self.request("GET", path, …)`); credentials are stored by
assigning a value read with `…._secrets.get(…)` to an item (`headers["Authorization"] = …`);
the attempts per call are what the `_attempts` method returns.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from agentflow.patterns import Function, Mutant, replace_body, rewrite

__all__ = ["API_MUTANTS"]

_SWAPPED = {
    "GET": "POST",
    "POST": "GET",
    "PUT": "PATCH",
    "PATCH": "PUT",
    "DELETE": "GET",
    "HEAD": "GET",
    "OPTIONS": "GET",
}
_ELSEWHERE = "/mutated"
_NO_REQUESTS = (
    'no endpoint request of the form `self._call("GET", "/path", …)` '
    "(an HTTP method literal, then the path)"
)


def _endpoint_requests(tree: ast.Module) -> list[ast.Call]:
    """Calls whose first argument is an HTTP method literal and which pass a path next."""
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and len(node.args) >= 2
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in _SWAPPED
    ]


def _wrong_method(source: str, requirements: Mapping[str, Any]) -> str:
    def edit(tree: ast.Module) -> int:
        requests = _endpoint_requests(tree)
        for call in requests:
            method = call.args[0]
            assert isinstance(method, ast.Constant) and isinstance(method.value, str)
            method.value = _SWAPPED[method.value]
        return len(requests)

    return rewrite(source, edit, missing=_NO_REQUESTS)


def _wrong_path(source: str, requirements: Mapping[str, Any]) -> str:
    def edit(tree: ast.Module) -> int:
        changed = 0
        for call in _endpoint_requests(tree):
            path = call.args[1]
            if isinstance(path, ast.Call) and path.args:  # _path("/items/{id}", …)
                path = path.args[0]
            if isinstance(path, ast.Constant) and isinstance(path.value, str):
                path.value = _ELSEWHERE + path.value
            elif isinstance(path, ast.JoinedStr):
                path.values.insert(0, ast.Constant(_ELSEWHERE))
            elif isinstance(path, ast.Name):  # a generic shortcut passing its `path` on
                call.args[1] = ast.BinOp(ast.Constant(_ELSEWHERE), ast.Add(), path)
            else:
                continue
            changed += 1
        return changed

    return rewrite(source, edit, missing=_NO_REQUESTS)


def _drop_auth(source: str, requirements: Mapping[str, Any]) -> str | None:
    auth = requirements.get("auth")
    if isinstance(auth, Mapping) and auth.get("type") == "none":
        return None

    def edit(tree: ast.Module) -> int:
        stores = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Subscript) for target in node.targets)
            and _reads_secret(node.value)
        ]
        for node in stores:
            node.targets = [ast.Name("_", ast.Store())]
        return len(stores)

    missing = (
        "credentials are configured, but no value read with `self._secrets.get(…)` is "
        "stored into the request options (`headers[…] = …`)"
    )
    return rewrite(source, edit, missing=missing)


def _reads_secret(value: ast.expr) -> bool:
    """Whether `value` calls `<…>._secrets.get(…)`."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "_secrets"
        for node in ast.walk(value)
    )


def _disable_retry(source: str, requirements: Mapping[str, Any]) -> str | None:
    endpoints = requirements.get("endpoints")
    if (
        isinstance(endpoints, list)
        and endpoints  # none: the generic client retries by method, as usual
        and all(isinstance(e, Mapping) and e.get("retry") is False for e in endpoints)
    ):
        return None  # every endpoint turns retries off: one attempt is the behaviour

    def edit(tree: ast.Module) -> int:
        found = [
            node
            for node in ast.walk(tree)
            if isinstance(node, Function) and node.name == "_attempts"
        ]
        for function in found:
            replace_body(function, ast.Return(ast.Constant(1)))
        return len(found)

    return rewrite(source, edit, missing="no `_attempts` method decides the attempts per call")


API_MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "wrong_path",
        "endpoint paths altered",
        "a test per endpoint that checks the path it requests",
        _wrong_path,
    ),
    Mutant(
        "wrong_method",
        "HTTP methods swapped",
        "a test per endpoint that checks its HTTP method",
        _wrong_method,
    ),
    Mutant(
        "auth_dropped",
        "credentials read but never sent",
        "a test that the credentials reach the request (header, query or basic auth)",
        _drop_auth,
    ),
    Mutant(
        "retry_disabled",
        "one attempt per call, never a retry",
        "a test that a failed attempt (5xx, 429 or a connection error) is tried again",
        _disable_retry,
    ),
)

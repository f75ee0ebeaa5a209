"""The database pattern's mutants: faults in a generated client that its tests must catch.

=====================  ========================================  ============================
mutant                 fault                                     caught by
=====================  ========================================  ============================
retries_every_error    constraint violations are retried too     a test that an integrity
                                                                 error makes one attempt
retry_disabled         a transient error is never retried        a test that a locked
                                                                 database is tried again
transaction_commits    a failed transaction block is committed   a test that an error in the
                                                                 block rolls it back
commit_retried         a connection lost at COMMIT is retried    a test that a lost commit
                       like one lost before it                   raises once, unretried
=====================  ========================================  ============================

Targets are found as the template writes them: the `_TRANSIENT` tuple of retried error
classes, the `_failed` method that decides on a retry, the `commit=ok` argument with
which `transaction()` releases its connection, and `_at_commit`, which tells a commit of
unknown outcome from a failure before it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from agentflow.patterns import Function, Mutant, replace_body, rewrite

__all__ = ["DATABASE_MUTANTS"]


def _retry_everything(source: str, requirements: Mapping[str, Any]) -> str:
    """`_TRANSIENT` becomes `(Exception,)`: every error counts as transient."""

    def edit(tree: ast.Module) -> int:
        found = 0
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "_TRANSIENT" for t in node.targets
            ):
                node.value = ast.Tuple([ast.Name("Exception", ast.Load())], ast.Load())
                found += 1
        return found

    return rewrite(source, edit, missing="no _TRANSIENT tuple of retried errors")


def _no_retry(source: str, requirements: Mapping[str, Any]) -> str:
    """`_failed` always answers None: no attempt is ever repeated."""

    def edit(tree: ast.Module) -> int:
        methods = [
            node for node in ast.walk(tree) if isinstance(node, Function) and node.name == "_failed"
        ]
        for method in methods:
            replace_body(method, ast.Return(ast.Constant(None)))
        return len(methods)

    return rewrite(source, edit, missing="no _failed method deciding on retries")


def _always_commit(source: str, requirements: Mapping[str, Any]) -> str:
    """`release(conn, commit=ok)` becomes `commit=True`: failed blocks are committed."""

    def edit(tree: ast.Module) -> int:
        found = 0
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "commit"
                and isinstance(node.value, ast.Name)
                and node.value.id == "ok"
            ):
                node.value = ast.Constant(True)
                found += 1
        return found

    return rewrite(source, edit, missing="no transaction releasing with commit=ok")


def _commit_retried(source: str, requirements: Mapping[str, Any]) -> str:
    """`_at_commit` returns the error as it is: a commit lost mid-way is retried."""

    def edit(tree: ast.Module) -> int:
        functions = [
            node for node in tree.body if isinstance(node, Function) and node.name == "_at_commit"
        ]
        for function in functions:
            replace_body(function, ast.Return(ast.Name("error", ast.Load())))
        return len(functions)

    return rewrite(source, edit, missing="no _at_commit function for failures at COMMIT")


DATABASE_MUTANTS = (
    Mutant(
        "retries_every_error",
        "constraint violations are retried like transient errors",
        "a test that a constraint violation makes a single attempt",
        _retry_everything,
    ),
    Mutant(
        "retry_disabled",
        "transient errors are never retried",
        "a test that a transient error is tried again",
        _no_retry,
    ),
    Mutant(
        "transaction_commits",
        "a transaction block that raised is committed",
        "a test that an error inside transaction() rolls the block back",
        _always_commit,
    ),
    Mutant(
        "commit_retried",
        "a connection lost during COMMIT is retried, which can apply a change twice",
        "a test that a connection lost at COMMIT raises the commit-unknown error, unretried",
        _commit_retried,
    ),
)

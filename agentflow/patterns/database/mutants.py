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
=====================  ========================================  ============================

Targets are found as the templates write them: the `_TRANSIENT` tuple of retried error
classes, the `_failed` method that decides on a retry, and the `commit=ok` argument with
which `transaction()` releases its connection. Redis adapters keep the same three targets,
so these mutants apply to them too (`redis_mutants.py` adds two of their own).
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


DATABASE_MUTANTS = (
    Mutant(
        "retries_every_error",
        "errors that are not transient (a constraint violation, a Redis command error) "
        "are retried",
        "a test that a constraint violation or a command error makes a single attempt",
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
)

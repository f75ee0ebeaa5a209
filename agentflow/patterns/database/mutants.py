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
update_ignores_column  a table's update leaves its first column   a test that an update sets
                       as it was                                 every column it is given
writes_autocommitted   every PostgreSQL statement is taken for a  a test that only a read runs
                       read: writes run without BEGIN, so a cut   outside a transaction
                       after sending one is retried
=====================  ========================================  ============================

Targets are found as the templates write them: the `_TRANSIENT` tuple of retried error
classes, the `_failed` method that decides on a retry, the `commit=ok` argument with
which `transaction()` releases its connection, `_at_commit`, which tells a commit of
unknown outcome from a failure before it, and the literal `UPDATE` statements of the
declared tables (a package without them has nothing for that mutant to break), and the
PostgreSQL backend's `_statement_kind`, which sends a write's BEGIN (only PostgreSQL packages
have it). Redis
adapters keep the first three targets, so those mutants apply to them too
(`redis_mutants.py` adds two of their own).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

from agentflow.patterns import Function, Mutant, replace_body, rewrite

__all__ = ["DATABASE_MUTANTS", "SQL_MUTANTS"]


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


_FIRST_SET = re.compile(r"CASE WHEN (%\(s_)")


def _update_ignores_a_column(source: str, requirements: Mapping[str, Any]) -> str | None:
    """Each table's UPDATE never sets its first column: `CASE WHEN 1 = 0 AND %(s_..)s`."""
    if "UPDATE " not in source:
        return None

    def edit(tree: ast.Module) -> int:
        found = 0
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith("UPDATE ")
            ):
                node.value = _FIRST_SET.sub(r"CASE WHEN 1 = 0 AND \1", node.value, count=1)
                found += 1
        return found

    return rewrite(source, edit, missing="no literal UPDATE statement of a declared table")


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
"""Mutants every SQL adapter and, by their shared targets, every Redis one is given."""


def _writes_autocommitted(source: str, requirements: Mapping[str, Any]) -> str | None:
    """`_statement_kind` answers `_READ` for every statement: no write gets its BEGIN."""
    if "def _statement_kind(" not in source:
        return None

    def edit(tree: ast.Module) -> int:
        functions = [
            node
            for node in tree.body
            if isinstance(node, Function) and node.name == "_statement_kind"
        ]
        for function in functions:
            replace_body(function, ast.Return(ast.Name("_READ", ast.Load())))
        return len(functions)

    return rewrite(source, edit, missing="no _statement_kind function classifying statements")


SQL_MUTANTS = (
    Mutant(
        "commit_retried",
        "a connection lost during COMMIT is retried, which can apply a change twice",
        "a test that a connection lost at COMMIT raises the commit-unknown error, unretried",
        _commit_retried,
    ),
    Mutant(
        "update_ignores_column",
        "a table's update method leaves one of the given columns unchanged",
        "a test that update_<table>() sets every column it is given",
        _update_ignores_a_column,
    ),
    Mutant(
        "writes_autocommitted",
        "PostgreSQL writes run in autocommit, so one cut after it was sent is retried and "
        "can be applied twice",
        "a test that only a read runs outside a transaction",
        _writes_autocommitted,
    ),
)
"""Mutants of SQL adapters only; `update_ignores_column` applies only to a package with
tables, `writes_autocommitted` only to a PostgreSQL one."""

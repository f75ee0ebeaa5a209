"""The message_queue pattern's mutants: faults in a generated client its tests must catch.

===================  ==========================================  ============================
mutant               fault                                       caught by
===================  ==========================================  ============================
ack_before_handling  a message is acknowledged when it arrives,  a test that a consumer that
                     before its handler has run                  crashes gets it again
dead_letter_dropped  a message that exhausted its attempts (or   a test that the poison
                     cannot be decoded) is acked and dropped     message is in the DLQ
retries_disabled     the first failure dead-letters a message    a test that failures are
                                                                 retried up to the limit
dedupe_disabled      the seen-set of message ids is ignored      a test that a duplicate id
                                                                 is handled once
publish_unvalidated  `publish` sends a message without checking  a test that an invalid
                     it against its queue's schema               message is refused, unsent
arrival_unvalidated  an arriving message reaches its handler     a test that an invalid one
                     without being checked against the schema    goes to the DLQ untried
===================  ==========================================  ============================

Targets are found as the template writes them, in the synchronous client whose helpers the
async client drives too: `_begin` (decodes a delivery, skips ids already seen), `_succeeded`
(acks after the handler), `_failed` (decides between a retry and the dead-letter queue),
the transport's `dead_letter` calls, and the `_validated(...)` calls of `publish` and `_begin`
(the two schema mutants apply only to a package whose queues declare a schema).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from agentflow.patterns import Function, Mutant, rewrite

__all__ = ["QUEUE_MUTANTS"]


def _methods(tree: ast.Module, name: str) -> list[Function]:
    return [node for node in ast.walk(tree) if isinstance(node, Function) and node.name == name]


def _transport_call(node: ast.AST, method: str) -> bool:
    """Whether `node` is `self._transport.<method>(...)`."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "_transport"
    )


def _ack_early(source: str, requirements: Mapping[str, Any]) -> str:
    """`_begin` acks every message it hands to the handler; `_succeeded` no longer does."""

    def edit(tree: ast.Module) -> int:
        found = 0
        for method in _methods(tree, "_begin"):
            last = method.body[-1]
            if isinstance(last, ast.Return) and last.value is not None:
                ack = ast.parse("self._transport.ack(delivery.tag)").body[0]
                method.body.insert(len(method.body) - 1, ack)
                found += 1
        for method in _methods(tree, "_succeeded"):
            for statement in method.body:
                if isinstance(statement, ast.Expr) and _transport_call(statement.value, "ack"):
                    statement.value = ast.Constant(None)
                    found += 1
        return found if found >= 2 else 0

    return rewrite(source, edit, missing="no _begin returning a message and _succeeded acking")


def _drop_dead_letters(source: str, requirements: Mapping[str, Any]) -> str:
    """Every `self._transport.dead_letter(tag)` becomes `self._transport.ack(tag)`."""

    def edit(tree: ast.Module) -> int:
        found = 0
        for node in ast.walk(tree):
            call = node if _transport_call(node, "dead_letter") else None
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
                call.func.attr = "ack"
                found += 1
        return found

    return rewrite(source, edit, missing="no self._transport.dead_letter(...) call")


def _no_retries(source: str, requirements: Mapping[str, Any]) -> str | None:
    """`_failed` takes every queue's attempt limit as 1 (None when every limit is 1)."""
    limits = [
        node.value.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.keyword)
        and node.arg == "max_attempts"
        and isinstance(node.value, ast.Constant)
    ]
    if limits and all(limit == 1 for limit in limits):
        return None  # nothing is retried anyway: the mutant would change nothing

    def edit(tree: ast.Module) -> int:
        found = 0
        for method in _methods(tree, "_failed"):
            for node in ast.walk(method):
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "limit" for t in node.targets
                ):
                    node.value = ast.Constant(1)
                    found += 1
        return found

    return rewrite(source, edit, missing="no `limit = ...` attempt limit in _failed")


def _no_dedupe(source: str, requirements: Mapping[str, Any]) -> str:
    """`_begin`'s test of the seen-set is always false: duplicates are handled again."""

    def edit(tree: ast.Module) -> int:
        found = 0
        for method in _methods(tree, "_begin"):
            for node in ast.walk(method):
                if isinstance(node, ast.If) and "self._seen" in ast.unparse(node.test):
                    node.test = ast.Constant(False)
                    found += 1
        return found

    return rewrite(source, edit, missing="no test of self._seen in _begin")


def _validation_calls(node: ast.AST) -> bool:
    """Whether `node` calls `_validated(...)`, the check of a message against its schema."""
    return any(
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "_validated"
        for call in ast.walk(node)
    )


def _publish_unvalidated(source: str, requirements: Mapping[str, Any]) -> str | None:
    """`publish` no longer calls `_validated` (None for a package without schemas)."""
    if "def _validated(" not in source:
        return None

    def edit(tree: ast.Module) -> int:
        found = 0
        for method in _methods(tree, "publish"):
            kept = [s for s in method.body if not _validation_calls(s)]
            found += len(method.body) - len(kept)
            method.body = kept
        return found

    return rewrite(source, edit, missing="no _validated(...) call in publish")


def _arrival_unvalidated(source: str, requirements: Mapping[str, Any]) -> str | None:
    """`_begin` takes every message as valid: its `_validated(...)` call gives None."""
    if "def _validated(" not in source:
        return None

    def edit(tree: ast.Module) -> int:
        found = 0
        for method in _methods(tree, "_begin"):
            for node in ast.walk(method):
                if isinstance(node, ast.Assign) and _validation_calls(node.value):
                    node.value = ast.Constant(None)
                    found += 1
        return found

    return rewrite(source, edit, missing="no `... = _validated(...)` in _begin")


QUEUE_MUTANTS = (
    Mutant(
        "ack_before_handling",
        "messages are acknowledged on arrival, before their handler runs",
        "a test that a consumer crashing before the ack gets the message again",
        _ack_early,
    ),
    Mutant(
        "dead_letter_dropped",
        "messages that should be dead-lettered are acknowledged and dropped",
        "a test that a poison message ends in the dead-letter queue",
        _drop_dead_letters,
    ),
    Mutant(
        "retries_disabled",
        "a failed message is dead-lettered at once, never retried",
        "a test that a failing message is retried up to its attempt limit",
        _no_retries,
    ),
    Mutant(
        "dedupe_disabled",
        "message ids already handled are not skipped",
        "a test that a duplicate message id is handled once",
        _no_dedupe,
    ),
    Mutant(
        "publish_unvalidated",
        "publish sends a message without checking it against its queue's schema",
        "a test that a message its schema refuses raises and is not sent",
        _publish_unvalidated,
    ),
    Mutant(
        "arrival_unvalidated",
        "an arriving message reaches its handler without checking it against the schema",
        "a test that an invalid message arriving goes to the dead-letter queue untried",
        _arrival_unvalidated,
    ),
)

"""Mutants of a Redis key-value adapter, beside the database pattern's SQL ones.

=================  ========================================  ==============================
mutant             fault                                     caught by
=================  ========================================  ==============================
prefix_dropped     keys are used without the key prefix      a test that reads a key back
                                                             through a client without it
expiry_dropped     `set` stores keys without an expiry       a test that a stored key has
                                                             the TTL it was given
=================  ========================================  ==============================

The SQL mutants apply to Redis adapters too: they keep the `_TRANSIENT` tuple, the `_failed`
method and the `commit=ok` argument with which `transaction()` ends its MULTI/EXEC block.
These two target the `_key` and `_expiry` methods, and say "does not apply" to a SQL adapter.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

from agentflow.patterns import Function, Mutant, replace_body, rewrite

__all__ = ["REDIS_MUTANTS", "is_redis_adapter"]

_IMPORTS_REDIS = re.compile(r"^import redis$", re.M)


def is_redis_adapter(source: str) -> bool:
    """Whether `source` is a Redis key-value adapter (it imports redis-py)."""
    return bool(_IMPORTS_REDIS.search(source))


def _method_returns(name: str, value: ast.expr, missing: str) -> Any:
    """A mutation making every method `name` return `value` (None for SQL adapters)."""

    def mutate(source: str, requirements: Mapping[str, Any]) -> str | None:
        if not is_redis_adapter(source):
            return None

        def edit(tree: ast.Module) -> int:
            methods = [n for n in ast.walk(tree) if isinstance(n, Function) and n.name == name]
            for method in methods:
                replace_body(method, ast.Return(value))
            return len(methods)

        return rewrite(source, edit, missing=missing)

    return mutate


REDIS_MUTANTS = (
    Mutant(
        "prefix_dropped",
        "keys are read and written without the key prefix",
        "a test that a key is stored under the key prefix",
        _method_returns("_key", ast.Name("key", ast.Load()), "no _key method adding the prefix"),
    ),
    Mutant(
        "expiry_dropped",
        "keys are stored without their expiry",
        "a test that a stored key has the TTL it was given",
        _method_returns("_expiry", ast.Constant(None), "no _expiry method choosing the TTL"),
    ),
)

"""The generic mutant, for patterns that name no mutants of their own.

`HOLLOW_ADAPTER` fits any adapter: every function and method returns None at once, so it
survives only tests that never check what the adapter returns or raises. Mutants themselves
(`Mutant`, `MutationError`, `rewrite`, `replace_body`) belong to the pattern side,
`agentflow.patterns.mutants`.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from agentflow.patterns.mutants import Function, Mutant, replace_body, rewrite

__all__ = ["HOLLOW_ADAPTER"]


def _hollow(source: str, requirements: Mapping[str, Any]) -> str:
    """Every function and method returns None at once."""

    def edit(tree: ast.Module) -> int:
        functions = [node for node in ast.walk(tree) if isinstance(node, Function)]
        for function in functions:
            replace_body(function, ast.Return(ast.Constant(None)))
        return len(functions)

    return rewrite(source, edit, missing="no function is defined")


HOLLOW_ADAPTER = Mutant(
    "hollow_adapter",
    "every function of the adapter returns None",
    "tests that check what the adapter's functions return and raise",
    _hollow,
)

"""Mutants: deliberate faults in a package's adapter that the package's tests must catch.

A test suite that still passes when the adapter sends requests to the wrong path has a gap,
however green it is. A pattern lists the faults that matter for its kind of service
(`IntegrationPattern.mutants()`); validation's `tests_can_fail` check applies each to a
private copy of the adapter and runs the tests against it.

A mutant's `mutate(source, requirements)` returns the faulty adapter source, or None when the
fault does not apply to this package (say, no credentials are configured); it raises
`MutationError` when the code it targets is not in the adapter, which means the adapter was
restructured and its tests can no longer be proven. `rewrite` and `replace_body` help write
mutants as syntax-tree edits.

This module needs only the standard library (and `agentflow.python_ast`, for parsing from
several threads), so patterns can name their mutants without loading validation.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agentflow.python_ast import parse

__all__ = ["Function", "Mutant", "MutationError", "replace_body", "rewrite"]

Mutate = Callable[[str, Mapping[str, Any]], str | None]
Function = ast.FunctionDef | ast.AsyncFunctionDef


class MutationError(Exception):
    """The code a mutant targets is not in the adapter: the adapter was restructured."""


@dataclass(frozen=True)
class Mutant:
    """A named fault, what it breaks and which kind of test catches it.

    `name` is an identifier (`wrong_path`); `fault` says what the mutant does ("endpoint paths
    altered"); `missing_test` completes "the tests need …" when the mutant survives.
    """

    name: str
    fault: str
    missing_test: str
    mutate: Mutate

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"mutant name {self.name!r} must be an identifier")


def rewrite(source: str, edit: Callable[[ast.Module], int], *, missing: str) -> str:
    """`source` after `edit` changed its syntax tree in place and returned how many places.

    Raises `MutationError(missing)` when `edit` found nothing to change, and when `source`
    does not parse.
    """
    try:
        tree = parse(source)
    except SyntaxError as exc:
        raise MutationError(f"does not parse ({exc.msg}, line {exc.lineno})") from exc
    if not edit(tree):
        raise MutationError(missing)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def replace_body(function: Function, *statements: ast.stmt) -> None:
    """Make `statements` the body of `function`, keeping its docstring."""
    docstring = ast.get_docstring(function, clean=False)
    kept: list[ast.stmt] = [function.body[0]] if docstring is not None else []
    function.body = [*kept, *statements]

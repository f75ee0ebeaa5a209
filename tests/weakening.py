"""Tests made unable to fail, to check that such tests are found out."""

from __future__ import annotations

import ast


class _Vacuous(ast.NodeTransformer):
    def visit_Assert(self, node: ast.Assert) -> ast.Assert:
        test = ast.parse(f"bool({ast.unparse(node.test)}) in (True, False)", mode="eval")
        return ast.copy_location(ast.Assert(test=test.body, msg=None), node)


def weakened(tests: str) -> str:
    """The tests module `tests` with every assert made unable to fail:
    `assert bool(X) in (True, False)`."""
    return ast.unparse(_Vacuous().visit(ast.parse(tests)))

"""Python parsed into syntax trees safely from several threads at once.

CPython 3.11 keeps the recursion depth of its conversion between source and `ast` objects in
interpreter-wide state, so two threads converting at once can fail with `SystemError: AST
constructor recursion depth mismatch` (python/cpython#106905). Builds run concurrently (the
guide's `ThreadPoolExecutor` over `IntegrationBuilder.build_integration`) and parse generated
code in-process (the model guard, the pattern rules, the mutants), so every such conversion
holds `PARSE_LOCK`. It is re-entrant: the guard holds it while it runs a pattern's rules, which
parse again.
"""

from __future__ import annotations

import ast
import threading

__all__ = ["PARSE_LOCK", "parse"]

PARSE_LOCK = threading.RLock()


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse(source, filename)`, one thread at a time."""
    with PARSE_LOCK:
        return ast.parse(source, filename=filename)

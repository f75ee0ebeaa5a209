"""The database pattern's own rules for a generated package.

A package must have its adapter and the adapter's test module, the adapter must keep SQL
and values apart (no f-string, `%` or `.format` building the SQL handed to a driver), and no
file may hold a hard-coded secret (a password in a URL above all).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import PurePosixPath

from agentflow.patterns import find_secrets, is_adapter_file, parse_python

__all__ = ["check_database_package"]

_SQL_ARGUMENT_CALLS = frozenset({"execute", "run", "_call", "_run"})
# `scheme://user:password@` with a literal password; `{...}` placeholders are code, not one.
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]*:([^/\s@'\"{}]+)@", re.I)


def check_database_package(files: Mapping[str, str]) -> list[str]:
    """Problems found in a database package's files (`{relative path: text}`)."""
    problems: list[str] = []
    adapters = sorted(p for p in files if is_adapter_file(p))
    if not adapters:
        problems.append("the package has no adapter module (a file named *_adapter.py)")
    for path in adapters:
        test_path = str(PurePosixPath(path).with_name(f"test_{PurePosixPath(path).name}"))
        if test_path not in files:
            problems.append(f"{path} has no test module; expected {test_path}")
        problems.extend(_formatted_sql(path, files[path]))
    for path in sorted(files):
        problems.extend(
            f"{finding}; read it from an environment variable instead"
            for finding in find_secrets(path, files[path])
        )
        problems.extend(_url_passwords(path, files[path]))
    return problems


def _url_passwords(path: str, text: str) -> list[str]:
    """Lines holding a database URL with its password written in."""
    return [
        f"{path}:{number}: a URL with a password written in; read the password from an "
        "environment variable instead"
        for number, line in enumerate(text.splitlines(), start=1)
        if _URL_PASSWORD.search(line)
    ]


def _formatted_sql(path: str, text: str) -> list[str]:
    """Calls that hand a driver SQL built by formatting values into it."""
    try:
        tree = parse_python(text, filename=path)
    except SyntaxError as exc:
        return [f"{path}:{exc.lineno}: does not parse as Python: {exc.msg}"]
    problems = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in _SQL_ARGUMENT_CALLS:
            continue
        for arg in node.args:
            if _built(arg):
                problems.append(
                    f"{path}:{node.lineno}: SQL passed to {node.func.attr}() is built by "
                    "formatting; pass values as parameters"
                )
    return problems


def _built(node: ast.expr) -> bool:
    """An f-string with values, `"..." % x` or `"...".format(...)`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    )

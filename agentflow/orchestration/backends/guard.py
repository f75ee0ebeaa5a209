"""Checks a model's rewrite of a file must pass before it replaces the template output.

The template output is the reference: every literal fact from the requirements that it
contains (base URL, endpoint paths, parameter and public names, auth scheme, environment
variable names) must survive, a Python file must compile, import nothing the template did not,
use no dynamic-code builtin (`eval`, `exec`, `__import__`…) it did not, keep its public names,
add no URL and raise no new pattern-rule problem.
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from agentflow.orchestration.integration_patterns import IntegrationPattern

__all__ = ["PARSE_LOCK", "check_rewrite", "literal_facts", "strip_fences"]

# CPython 3.11's AST conversion keeps its recursion depth in shared state, so parsing in
# several threads at once can fail with SystemError: parse and compile one thread at a time.
PARSE_LOCK = threading.Lock()

FACT_KEYS = frozenset(
    {"base_url", "path", "name", "type", "env_var", "username_env", "password_env"}
)
_FENCE = re.compile(r"^\s*```[\w+-]*[ \t]*\n(.*?)\n?```\s*$", re.DOTALL)
_DYNAMIC_CODE = frozenset({"eval", "exec", "compile", "__import__", "breakpoint", "globals"})
_URL = re.compile(r"https?://[^\s'\"<>)`\]]+")


def strip_fences(text: str) -> str:
    """The answer without a Markdown code fence around the whole of it."""
    match = _FENCE.match(text)
    body = match.group(1) if match else text
    return body.rstrip("\n") + "\n"


def literal_facts(config: Mapping[str, Any], reference: str, env_prefix: str) -> set[str]:
    """Requirement strings and `PREFIX_*` variable names that `reference` contains."""
    facts = {value for value in _fact_values(config) if value and value in reference}
    if env_prefix:
        facts.update(re.findall(rf"\b{re.escape(env_prefix)}_[A-Z0-9_]+\b", reference))
    return facts


def _fact_values(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in FACT_KEYS and isinstance(value, str):
                yield value
            else:
                yield from _fact_values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _fact_values(item)


def check_rewrite(
    path: str,
    text: str,
    reference: str,
    *,
    facts: set[str],
    pattern: IntegrationPattern,
    others: Mapping[str, str],
) -> list[str]:
    """Why `text` may not replace `reference` at `path`; empty when it may."""
    problems = [
        f"{fact!r} from the requirements is missing" for fact in sorted(facts) if fact not in text
    ]
    problems += [
        f"new URL {url!r}" for url in sorted(set(_URL.findall(text)) - set(_URL.findall(reference)))
    ]
    if path.endswith(".py"):
        with PARSE_LOCK:
            problems += _python_problems(path, text, reference, pattern, others)
    return problems


def _python_problems(
    path: str, text: str, reference: str, pattern: IntegrationPattern, others: Mapping[str, str]
) -> list[str]:
    try:
        tree = ast.parse(text, filename=path)
        compile(tree, path, "exec")
    except SyntaxError as exc:
        return [f"syntax error at line {exc.lineno}: {exc.msg}"]
    base = ast.parse(reference)
    problems = [f"new import {name!r}" for name in sorted(_imports(tree) - _imports(base))]
    problems += [f"uses {name}()" for name in sorted(_dynamic_code(tree) - _dynamic_code(base))]
    problems += [
        f"public name {name!r} was removed"
        for name in sorted(_public_names(base) - _public_names(tree))
    ]
    before = set(pattern.validate({**others, path: reference}))
    problems += [p for p in pattern.validate({**others, path: text}) if p not in before]
    return problems


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            names.update(f"{module}:{alias.name}" for alias in node.names)
    return names


def _dynamic_code(tree: ast.Module) -> set[str]:
    """Builtins that run or import code chosen at run time, where the file names them."""
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in _DYNAMIC_CODE}


def _public_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if not node.name.startswith("_"):
                names.add(node.name)
            if isinstance(node, ast.ClassDef):
                names.update(
                    f"{node.name}.{m.name}"
                    for m in node.body
                    if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
                    and not m.name.startswith("_")
                )
    return names

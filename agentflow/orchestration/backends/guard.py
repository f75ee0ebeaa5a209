"""Checks a model's rewrite of a file must pass before it replaces the template output.

The template output is the reference. Every answer must keep each literal fact from the
requirements the reference contains (base URL, endpoint paths, parameter and public names,
auth scheme, environment variable names) and name no address (URL, host, IP) that neither
the reference nor the requirements name — both after folding constant expressions, so
nothing hides in pieces. Then, by kind of file:

- Python must compile, keep its public names, raise no new pattern-rule problem, and add
  nothing outside the allow-list (`code_guard`, `allow_list`): no new import, builtin,
  module attribute, escape from the object model or use of the HTTP client the template's
  same scope does not have.
- A tests module may only get stronger (`strength_guard`).
- Markdown may add no raw HTML, script link or link elsewhere (`markdown_guard`).

Every problem names the file, the line and what was rejected, for the repair prompt.
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from agentflow.orchestration.backends.addresses import (
    Address,
    addresses_in_string,
    addresses_in_text,
    allowed_keys,
)
from agentflow.orchestration.backends.code_guard import Form, forms, new_forms
from agentflow.orchestration.backends.folding import fold
from agentflow.orchestration.backends.markdown_guard import markdown_problems
from agentflow.orchestration.backends.module_facts import ModuleFacts
from agentflow.orchestration.backends.strength_guard import weakened_tests
from agentflow.orchestration.integration_patterns import IntegrationPattern

__all__ = [
    "GUARD_VERSION",
    "PARSE_LOCK",
    "check_rewrite",
    "literal_facts",
    "requirement_addresses",
    "strip_fences",
]

GUARD_VERSION = "2"
"""Changes whenever the checks change, so answers accepted by older checks are checked anew."""

# CPython 3.11's AST conversion keeps its recursion depth in shared state, so parsing in
# several threads at once can fail with SystemError: parse and compile one thread at a time.
PARSE_LOCK = threading.Lock()

FACT_KEYS = frozenset(
    {"base_url", "path", "name", "type", "env_var", "username_env", "password_env"}
)
_FENCE = re.compile(r"^\s*```[\w+-]*[ \t]*\n(.*?)\n?```\s*$", re.DOTALL)


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


def requirement_addresses(config: Mapping[str, Any]) -> set[str]:
    """Every URL or host the requirements name, anywhere in them."""
    found: set[str] = set()
    for value in _strings(config):
        found.update(a.text for a in addresses_in_string(value, 1))
    return found


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


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _strings(item)


def check_rewrite(
    path: str,
    text: str,
    reference: str,
    *,
    facts: set[str],
    pattern: IntegrationPattern,
    others: Mapping[str, str],
    addresses: Iterable[str] = (),
) -> list[str]:
    """Why `text` may not replace `reference` at `path`; empty when it may.

    `others` holds the package's other files by path (the adapter, for its tests);
    `addresses` the URLs and hosts of the requirements (see `requirement_addresses`).
    """
    known = {*addresses, *facts}
    if path.endswith(".py"):
        with PARSE_LOCK:
            return _python_problems(path, text, reference, facts, known, pattern, others)
    problems = _text_problems(path, (text, []), (reference, []), facts, known)
    if path.endswith(".md"):
        allowed = _allowed(reference, [], known, python=False)
        problems += markdown_problems(path, text, reference, allowed=allowed)
    return problems


_Strings = list[tuple[str, int]]


def _text_problems(
    path: str,
    answer: tuple[str, _Strings],
    template: tuple[str, _Strings],
    facts: set[str],
    known: set[str],
    *,
    python: bool = False,
) -> list[str]:
    """Missing facts and new addresses, in the text and its folded string constants."""
    text, strings = answer
    seen = text + "\n" + "\n".join(value for value, _ in strings)
    problems = [
        f"{fact!r} from the requirements is missing" for fact in sorted(facts) if fact not in seen
    ]
    allowed = _allowed(*template, known, python=python)
    reported = set()
    for address in _addresses(text, strings, python=python):
        if address.key not in allowed and address.key not in reported:
            reported.add(address.key)
            problems.append(
                f"{path}:{address.line}: new URL {address.text!r}: its host is neither in the "
                "template nor in the requirements"
            )
    return problems


def _allowed(text: str, strings: _Strings, known: set[str], *, python: bool) -> set[str]:
    """Address keys the template (and the requirements' values in `known`) allow."""
    found = _addresses(text, strings, python=python)
    found += [a for value in sorted(known) for a in addresses_in_string(value, 0)]
    return allowed_keys(found)


def _addresses(text: str, strings: _Strings, *, python: bool) -> list[Address]:
    """Addresses of a file: in its text (settings too, but not in Python source) and in
    its folded string constants."""
    found = list(addresses_in_text(text, settings=not python))
    for value, line in strings:
        found.extend(addresses_in_string(value, line))
    return found


def _python_problems(
    path: str,
    text: str,
    reference: str,
    facts: set[str],
    known: set[str],
    pattern: IntegrationPattern,
    others: Mapping[str, str],
) -> list[str]:
    """Every check of a Python answer: compiling, facts and addresses after folding, the
    allow-list, public names, tests' strength and the pattern's rules."""
    try:
        tree = ast.parse(text, filename=path)
        compile(tree, path, "exec")
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 0
        return [f"{path}: syntax error at line {line}: {getattr(exc, 'msg', exc)}"]
    answer, template = _folded(tree), _folded(ast.parse(reference))
    problems = _text_problems(
        path,
        (text, _strings_of(answer)),
        (reference, _strings_of(template)),
        facts,
        known,
        python=True,
    )
    kind = _kind(path)
    problems += [_form_problem(path, f) for f in _new_forms(path, answer, template, kind, others)]
    problems += [
        f"{path}: public name {name!r} was removed"
        for name in sorted(_public_names(template) - _public_names(answer))
    ]
    if kind == "tests":
        problems += weakened_tests(path, answer, template)
    before = set(pattern.validate({**others, path: reference}))
    problems += [p for p in pattern.validate({**others, path: text}) if p not in before]
    return problems


def _folded(tree: ast.Module) -> ast.Module:
    folded = fold(tree)
    assert isinstance(folded, ast.Module)
    return folded


def _strings_of(tree: ast.Module) -> _Strings:
    return [
        (node.value, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _new_forms(
    path: str, answer: ast.Module, template: ast.Module, kind: str, others: Mapping[str, str]
) -> list[Form]:
    adapter = _adapter(path, answer if kind == "code" else None, others)
    facts = ModuleFacts.of(answer, adapter=adapter, kind=kind)
    template_facts = ModuleFacts.of(template, adapter=adapter, kind=kind)
    facts.note_clients(*(t for t in (answer, template, adapter) if t is not None))
    template_facts.clients = facts.clients
    return new_forms(forms(answer, facts), forms(template, template_facts))


def _form_problem(path: str, form: Form) -> str:
    if form.reason == "new import":
        return f"{path}:{form.line}: new import {form.text[7:]!r} in {form.scope}"
    return f"{path}:{form.line}: {form.text} is not allowed in {form.scope} ({form.reason})"


def _kind(path: str) -> str:
    name = PurePosixPath(path).name
    if name.startswith("test_") or name == "conftest.py":
        return "tests"
    return "examples" if name.startswith("example") else "code"


def _adapter(path: str, own: ast.Module | None, others: Mapping[str, str]) -> ast.Module | None:
    """The package's adapter module (the answer itself when it is the adapter)."""
    if own is not None and PurePosixPath(path).name.endswith("_adapter.py"):
        return own
    for other, text in sorted(others.items()):
        name = PurePosixPath(other).name
        if name.endswith("_adapter.py") and not name.startswith("test_"):
            try:
                return ast.parse(text)
            except SyntaxError:
                return None
    return None


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

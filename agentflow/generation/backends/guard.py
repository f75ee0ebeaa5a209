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

Every problem names the file, the line and what was rejected, for the repair prompt. The
template's side of a Python file's checks is worked out once and kept for the next answers
(the repair loop's tries) against the same reference, other files and pattern.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from agentflow.generation.backends.addresses import (
    Address,
    addresses_in_string,
    addresses_in_text,
    allowed_keys,
)
from agentflow.generation.backends.code_guard import Form, forms, new_forms
from agentflow.generation.backends.folding import fold
from agentflow.generation.backends.markdown_guard import markdown_problems
from agentflow.generation.backends.module_facts import ModuleFacts, client_names, own_names
from agentflow.generation.backends.scopes import import_bindings
from agentflow.generation.backends.strength_guard import weakened_tests
from agentflow.naming import is_adapter_file
from agentflow.patterns.base import IntegrationPattern
from agentflow.python_ast import PARSE_LOCK  # parse and compile one thread at a time

__all__ = [
    "GUARD_VERSION",
    "check_rewrite",
    "literal_facts",
    "requirement_addresses",
    "strip_fences",
]

GUARD_VERSION = "3"
"""Changes whenever the checks change, so answers accepted by older checks are checked anew."""


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
    allowed = _allowed(_addresses(reference, [], python=False), known)
    problems, reported = _text_problems(path, text, [], facts, allowed, python=False)
    if path.endswith(".md"):
        problems += markdown_problems(path, text, reference, settled=allowed | reported)
    return problems


_Strings = list[tuple[str, int]]


def _text_problems(
    path: str, text: str, strings: _Strings, facts: set[str], allowed: set[str], *, python: bool
) -> tuple[list[str], set[str]]:
    """Missing facts and new addresses, in the text and its folded string constants; and the
    keys of the new addresses reported."""
    seen = text + "\n" + "\n".join(value for value, _ in strings)
    problems = [
        f"{fact!r} from the requirements is missing" for fact in sorted(facts) if fact not in seen
    ]
    reported = set()
    for address in _addresses(text, strings, python=python):
        if address.key not in allowed and address.key not in reported:
            reported.add(address.key)
            problems.append(
                f"{path}:{address.line}: new URL {address.text!r}: its host is neither in the "
                "template nor in the requirements"
            )
    return problems, reported


def _allowed(template: list[Address], known: set[str]) -> set[str]:
    """Address keys the template's addresses and the requirements' values in `known` allow."""
    found = template + [a for value in sorted(known) for a in addresses_in_string(value, 0)]
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
    template = _template(path, reference, pattern, others)
    answer = _folded(tree)
    imports = dict(import_bindings(answer))
    allowed = _allowed(template.addresses, known)
    problems, _ = _text_problems(path, text, _strings_of(answer), facts, allowed, python=True)
    exports = own_names(answer, imports) if template.is_adapter else template.adapter_names
    clients = template.clients | client_names(answer, imports)
    answer_facts = ModuleFacts.of(
        answer, imports, kind=template.kind, exports=exports, clients=clients
    )
    extra = new_forms(forms(answer, answer_facts), template.forms(exports, clients))
    problems += [form.problem(path) for form in extra]
    problems += [
        f"{path}: public name {name!r} was removed"
        for name in sorted(template.public_names - _public_names(answer))
    ]
    if template.kind == "tests":
        problems += weakened_tests(path, answer, template.tree, imports=imports)
    problems += [p for p in pattern.validate({**others, path: text}) if p not in template.problems]
    return problems


@dataclass
class _Template:
    """The template side of the checks of a Python file: the same for every answer."""

    kind: str
    is_adapter: bool  # the file is the package's adapter, whose own names the tests reach
    tree: ast.Module  # folded
    imports: dict[str, str]
    addresses: list[Address]
    public_names: set[str]
    adapter_names: frozenset[str]  # the own names of the adapter among the other files
    clients: frozenset[str]  # names bound to HTTP clients, here or in that adapter
    pattern: IntegrationPattern
    problems: set[str]  # the pattern's problems with the template in place
    known_forms: dict[tuple[frozenset[str], frozenset[str]], list[Form]] = field(
        default_factory=dict
    )

    @classmethod
    def of(
        cls, path: str, reference: str, pattern: IntegrationPattern, others: Mapping[str, str]
    ) -> _Template:
        kind = _kind(path)
        tree = _folded(ast.parse(reference))
        imports = dict(import_bindings(tree))
        is_adapter = kind == "code" and PurePosixPath(path).name.endswith("_adapter.py")
        adapter = None if is_adapter else _other_adapter(others)
        adapter_imports = dict(import_bindings(adapter)) if adapter is not None else {}
        clients = client_names(tree, imports)
        if adapter is not None:
            clients |= client_names(adapter, adapter_imports)
        return cls(
            kind,
            is_adapter,
            tree,
            imports,
            _addresses(reference, _strings_of(tree), python=True),
            _public_names(tree),
            own_names(adapter, adapter_imports) if adapter is not None else frozenset(),
            clients,
            pattern,
            set(pattern.validate({**others, path: reference})),
        )

    def forms(self, exports: frozenset[str], clients: frozenset[str]) -> list[Form]:
        """The template's forms, judged with the answer's adapter names and client names."""
        facts = ModuleFacts.of(
            self.tree, self.imports, kind=self.kind, exports=exports, clients=clients
        )
        key = (facts.local_exports, facts.clients)
        if key not in self.known_forms:
            self.known_forms[key] = forms(self.tree, facts)
        return self.known_forms[key]


_TEMPLATES: dict[tuple[str, str, tuple[tuple[str, str], ...]], _Template] = {}
_TEMPLATES_KEPT = 16


def _template(
    path: str, reference: str, pattern: IntegrationPattern, others: Mapping[str, str]
) -> _Template:
    """The template side of the checks, computed once per file, reference, other files and
    pattern (the repair loop checks several answers against it)."""
    key = (path, reference, tuple(sorted(others.items())))
    template = _TEMPLATES.pop(key, None)
    if template is None or template.pattern is not pattern:
        template = _Template.of(path, reference, pattern, others)
    _TEMPLATES[key] = template  # the most recently used last
    while len(_TEMPLATES) > _TEMPLATES_KEPT:
        del _TEMPLATES[next(iter(_TEMPLATES))]
    return template


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


def _kind(path: str) -> str:
    name = PurePosixPath(path).name
    if name.startswith("test_") or name == "conftest.py":
        return "tests"
    return "examples" if name.startswith("example") else "code"


def _other_adapter(others: Mapping[str, str]) -> ast.Module | None:
    """The package's adapter module among the other files, when it parses."""
    for other, text in sorted(others.items()):
        if is_adapter_file(other):
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

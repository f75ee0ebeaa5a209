"""Fuzzing the guard: answers made by mutating the rendered adapter and tests at random.

Each answer is the template with a few edits: snippets inserted at random places and scopes
(from a library of dangerous and harmless ones), locals renamed, string constants split in
pieces, attribute reads wrapped in `getattr`. The oracle knows which edits are harmless:
an answer with a dangerous snippet must be rejected, one with only harmless edits accepted.
"""

from __future__ import annotations

import ast
import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .guarded import ADAPTER, TESTS, check, rendered

DANGEROUS = (
    "logging.os.system('id')",
    "__builtins__['ev' + 'al']('1')",
    "getattr(httpx, 'po' + 'st')('http://127.0.0.1:9/x')",
    "httpx.get('https://evil.example')",
    "_opener = open",
    "_names = globals()",
    "_mro = ().__class__.__mro__",
    "_base = 'https:' + '//evil.example'",
    "_module = vars(asyncio)",
    "asyncio.create_subprocess_exec('id')",
    "import subprocess",
    "_later = lambda: logging.os.popen('id')",
    "_found = [c for c in ().__class__.__subclasses__()]",
    "_loop = (_grab := asyncio.subprocess)",
    "exec('1')",
    "setattr(logging, 'disable', print)",
    "_spare = httpx.Client()",
)
HARMLESS = (
    "'''A note on what follows.'''",
    "_count = len([1, 2, 3])",
    "_ok = isinstance(1, int)",
    "_items = sorted([3, 1, 2])",
    "_total = sum((1, 2)) + abs(-1)",
    "pass",
)


@functools.cache
def normalized(path: str) -> str:
    """The rendered file as `ast.unparse` writes it, so edits can be made on the tree."""
    return ast.unparse(ast.parse(rendered()[path])) + "\n"


def bodies(tree: ast.Module) -> list[tuple[list[ast.stmt], int]]:
    """Statement lists to insert into, with the first position allowed (after the module's
    `from __future__` import)."""
    found: list[tuple[list[ast.stmt], int]] = [(tree.body, 2)]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append((node.body, 0))
    return found


def locals_of(tree: ast.Module) -> list[tuple[ast.AST, str]]:
    """(function, local variable) pairs a rename may touch."""
    pairs = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            params = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
            stored = {
                n.id
                for n in ast.walk(node)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
            pairs += [(node, name) for name in sorted(stored - params)]
    return pairs


def strings_of(tree: ast.Module) -> list[ast.Constant]:
    """String constants that may be split: not f-string parts, not docstrings."""
    fixed = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            fixed.update(id(part) for part in node.values)
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and len(node.value) > 1
        and id(node) not in fixed
    ]


class Split(ast.NodeTransformer):
    def __init__(self, target: ast.Constant, at: int) -> None:
        self.target, self.at = target, at

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if node is not self.target:
            return node
        text = str(node.value)
        if "://" in text:  # its pieces would read as other URLs, which the guard refuses
            return node
        cut = 1 + self.at % (len(text) - 1)
        return ast.BinOp(ast.Constant(text[:cut]), ast.Add(), ast.Constant(text[cut:]))


class WrapInGetattr(ast.NodeTransformer):
    def __init__(self, target: ast.Attribute) -> None:
        self.target = target

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if node is not self.target:
            return node
        getattr_ = ast.Name("getattr", ast.Load())
        return ast.Call(getattr_, [node.value, ast.Constant(node.attr)], [])


def mutate(data: st.DataObject, path: str) -> tuple[str, bool]:
    """A mutated answer for `path`, and whether a dangerous snippet went into it."""
    tree = ast.parse(normalized(path))
    dangerous = False
    kinds = ["dangerous", "harmless", "split", "getattr"] + (["rename"] if path == ADAPTER else [])
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        kind = data.draw(st.sampled_from(kinds), label="kind")
        if kind in ("dangerous", "harmless"):
            library = DANGEROUS if kind == "dangerous" else HARMLESS
            snippet = ast.parse(data.draw(st.sampled_from(library), label=kind)).body
            body, first = data.draw(st.sampled_from(bodies(tree)), label="scope")
            at = data.draw(st.integers(first, max(first, len(body))), label="position")
            body[at:at] = snippet
            dangerous |= kind == "dangerous"
        elif kind == "rename":
            function, name = data.draw(st.sampled_from(locals_of(tree)), label="local")
            for node in ast.walk(function):
                if isinstance(node, ast.Name) and node.id == name:
                    node.id = f"{name}_renamed"
        elif kind == "split":
            target = data.draw(st.sampled_from(strings_of(tree)), label="string")
            tree = Split(target, data.draw(st.integers(0, 100), label="cut")).visit(tree)
        else:
            chains = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.Attribute)
                and isinstance(n.ctx, ast.Load)
                and isinstance(n.value, ast.Name)
            ]
            tree = WrapInGetattr(data.draw(st.sampled_from(chains), label="attribute")).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n", dangerous


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), path=st.sampled_from([ADAPTER, TESTS]))
def test_nothing_outside_the_allow_list_is_ever_accepted(data: st.DataObject, path: str) -> None:
    text, dangerous = mutate(data, path)
    problems = check(path, text, reference=normalized(path))
    if dangerous:
        assert problems, "a dangerous snippet was accepted"
    else:
        assert problems == [], "a harmless edit was rejected"

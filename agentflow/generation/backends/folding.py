"""Constant expressions of an answer folded into the strings they build.

A URL, a key name or an attribute name split into pieces (`"https:" + "//evil.example"`,
`"%s//%s" % ("https:", host)`, `"".join([...])`, `bytes([...]).decode()`, `chr(104)`,
`getattr(httpx, "po" + "st")`) must be seen whole by the guard. `fold` rewrites such
expressions, in place, as the constant they evaluate to, and `getattr(obj, "name")` as
`obj.name`; nothing is ever evaluated but string, bytes and small integer operations on
literals, and results are bounded in size.
"""

from __future__ import annotations

import ast
import keyword
import re
import string
from collections.abc import Callable
from typing import Any

__all__ = ["MAX_FOLDED", "fold"]

MAX_FOLDED = 10_000  # characters: longer results are left unfolded
_WIDTH = re.compile(r"\d{5,}")  # a width or precision big enough to exhaust memory
_ENCODINGS = frozenset({"ascii", "latin-1", "latin1", "utf-8", "utf8"})
_NO_ARGS = frozenset(
    {"capitalize", "casefold", "lower", "lstrip", "rstrip", "strip", "swapcase", "title", "upper"}
)
_STR_ARGS = frozenset({"removeprefix", "removesuffix", "replace", "lstrip", "rstrip", "strip"})
_Text = str | bytes


def fold(tree: ast.AST) -> ast.AST:
    """`tree` with every foldable expression replaced by a `Constant` (or an attribute)."""
    folded: ast.AST = _Folder().visit(tree)
    return folded


class _Folder(ast.NodeTransformer):
    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        if not isinstance(node, ast.expr) or isinstance(node, ast.Constant):
            return node
        replacement = _getattr_as_attribute(node)
        if replacement is None:
            value = _value(node)
            if value is None:
                return node
            replacement = ast.Constant(value)
        return ast.copy_location(replacement, node)


def _getattr_as_attribute(node: ast.expr) -> ast.expr | None:
    """`getattr(obj, "name"[, default])` as `obj.name`, for a name that is an identifier."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) in (2, 3)
        and not node.keywords
    ):
        return None
    name = _constant(node.args[1])
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        return None
    return ast.Attribute(value=node.args[0], attr=name, ctx=ast.Load())


def _constant(node: ast.AST) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def _value(node: ast.expr) -> _Text | int | None:
    """The constant `node` evaluates to, when it only combines literals; else None."""
    folder = _FOLDERS.get(type(node))
    try:
        value = folder(node) if folder else None
    except (ArithmeticError, LookupError, TypeError, ValueError, UnicodeError):
        return None
    if isinstance(value, str | bytes) and len(value) > MAX_FOLDED:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 0x10FFFF:
        return None
    return value if isinstance(value, str | bytes | int) else None


def _binop(node: ast.BinOp) -> Any:
    left, right = _constant(node.left), _constant(node.right)
    if isinstance(node.op, ast.Add) and type(left) is type(right):
        return left + right if isinstance(left, str | bytes | int) else None
    if isinstance(node.op, ast.Sub) and type(left) is type(right) is int:
        return left - right
    if isinstance(node.op, ast.Mult) and isinstance(left, str | bytes | int):
        size = len(left) if isinstance(left, str | bytes) else 1
        return left * right if isinstance(right, int) and 0 <= size * right <= MAX_FOLDED else None
    if isinstance(node.op, ast.Mod) and isinstance(left, str) and not _WIDTH.search(left):
        if isinstance(node.right, ast.Tuple):
            values = _sequence(node.right)
            return None if values is None else left % tuple(values)
        return None if right is None else left % right
    return None


def _joined(node: ast.JoinedStr) -> str | None:
    parts = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            parts.append(str(part.value))
            continue
        if not isinstance(part, ast.FormattedValue):
            return None
        value = _constant(part.value)
        spec = "" if part.format_spec is None else _value(part.format_spec)
        if value is None or not isinstance(spec, str) or _WIDTH.search(spec):
            return None
        converted = {-1: value, 115: str(value), 114: repr(value), 97: ascii(value)}
        parts.append(format(converted[part.conversion], spec))
    return "".join(parts)


def _call(node: ast.Call) -> Any:
    args = [_constant(a) for a in node.args]
    if node.keywords:
        return None
    func = node.func
    if isinstance(func, ast.Name):
        return _builtin_call(func.id, node.args, args)
    if not isinstance(func, ast.Attribute):
        return None
    receiver = _constant(func.value)
    if isinstance(func.value, ast.Name) and func.value.id == "bytes" and func.attr == "fromhex":
        return bytes.fromhex(args[0]) if args and isinstance(args[0], str) else None
    if not isinstance(receiver, str | bytes):
        return None
    return _method_call(receiver, func.attr, node.args, args)


def _builtin_call(name: str, nodes: list[ast.expr], args: list[Any]) -> Any:
    if name in ("bytes", "bytearray") and len(nodes) == 1:
        items = _sequence(nodes[0])
        if items is not None and all(isinstance(i, int) for i in items):
            return bytes(items)
    if any(a is None for a in args):
        return None
    if name == "chr" and len(args) == 1 and isinstance(args[0], int):
        return chr(args[0])
    if name == "str" and len(args) == 1 and isinstance(args[0], str | int):
        return str(args[0])
    return None


def _method_call(receiver: _Text, method: str, nodes: list[ast.expr], args: list[Any]) -> Any:
    if method == "join" and len(nodes) == 1:
        items = _sequence(nodes[0])
        return None if items is None else receiver.join(items)
    if any(a is None for a in args):
        return None
    if method == "decode" and isinstance(receiver, bytes):
        encoding = args[0] if args else "utf-8"
        return receiver.decode(encoding) if str(encoding).lower() in _ENCODINGS else None
    if method == "encode" and isinstance(receiver, str) and not args:
        return receiver.encode()
    if method == "format" and isinstance(receiver, str) and _plain_fields(receiver):
        return receiver.format(*args)
    replacement = args[1] if method == "replace" and len(args) > 1 else ""
    if len(receiver) * max(1, len(replacement)) > MAX_FOLDED:
        return None  # every character could become the replacement
    if method in _NO_ARGS and not args or method in _STR_ARGS and args:
        call: Callable[..., Any] = getattr(receiver, method)
        return call(*args)
    return None


def _plain_fields(template: str) -> bool:
    """Whether every field of a format string is positional or empty, with a small spec."""
    for _, field, spec, _ in string.Formatter().parse(template):
        if field is None:
            continue
        if field and not field.isdigit() or spec and _WIDTH.search(spec):
            return False
    return True


def _sequence(node: ast.expr) -> list[Any] | None:
    """The items of a literal list/tuple, a string, `reversed(...)` or `map(chr|str, ...)`."""
    if isinstance(node, ast.List | ast.Tuple):
        items = [_constant(e) for e in node.elts]
        return None if any(i is None for i in items) else items
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return list(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name, args = node.func.id, node.args
        if name == "reversed" and len(args) == 1:
            reversed_items = _sequence(args[0])
            return None if reversed_items is None else reversed_items[::-1]
        if name == "map" and len(args) == 2 and isinstance(args[0], ast.Name):
            mapped = _sequence(args[1])
            if mapped is None or args[0].id not in ("chr", "str"):
                return None
            return [chr(i) if args[0].id == "chr" else str(i) for i in mapped]
    return None


def _subscript(node: ast.Subscript) -> Any:
    value = _constant(node.value)
    if not isinstance(value, str | bytes):
        return None
    if isinstance(node.slice, ast.Slice):
        parts = (node.slice.lower, node.slice.upper, node.slice.step)
        bounds = [None if part is None else _constant(part) for part in parts]
        if any(b is None and p is not None for b, p in zip(bounds, parts, strict=True)):
            return None
        return value[slice(*bounds)]
    index = _constant(node.slice)
    return value[index] if isinstance(index, int) and isinstance(value, str) else None


def _negative(node: ast.UnaryOp) -> Any:
    value = _constant(node.operand)
    return -value if isinstance(node.op, ast.USub) and type(value) is int else None


_FOLDERS: dict[type[ast.AST], Callable[[Any], Any]] = {
    ast.UnaryOp: _negative,
    ast.BinOp: _binop,
    ast.JoinedStr: _joined,
    ast.Call: _call,
    ast.Subscript: _subscript,
}

"""Parse a requirements file's YAML safely, keeping the line and column of every value.

PyYAML's safe composer builds the node tree (`yaml_compose`); plain values (dict, list, str,
int, float, bool, None) are then built here, so that nothing but those types can ever come
out, each value's position is recorded under its field path, and limits stop hostile input
early:

- `MAX_FILE_BYTES`: files over 1 MiB are refused before parsing. This alone bounds the
  work for a document written out plainly, however many values it holds: every written
  value costs at least two bytes.
- `MAX_DEPTH`: more than 50 nested mappings/lists are refused, while composing (so deep
  flow collections cannot exhaust the stack) and while building (aliases nest too).
- `MAX_ALIAS_VALUES`: aliases may repeat at most 100,000 values in all (each use of
  `*name` repeats every value under `&name`), counted while building. Only aliases can make
  the built document larger than the file, so this bounds an alias bomb ("billion laughs",
  or one large anchor used many times) without limiting documents written out plainly.
- `MAX_SCALAR_CHARS`: a single value over 100,000 characters is refused.

Anchors and aliases work; merge keys (`<<`) are rejected: write the keys out. Only the
standard scalar tags are accepted; timestamps and `=` stay text as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NoReturn

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from agentflow.errors import Diagnostic
from agentflow.spec.yaml_compose import MAX_DEPTH, AliasMarks, Position, compose
from agentflow.spec.yaml_compose import TOO_DEEP as _TOO_DEEP
from agentflow.spec.yaml_compose import TOO_DEEP_HINT as _TOO_DEEP_HINT
from agentflow.spec.yaml_compose import char_name as _char_name
from agentflow.spec.yaml_compose import fail as _fail
from agentflow.spec.yaml_compose import line_column as _line_column
from agentflow.spec.yaml_compose import spec_error as _error

__all__ = [
    "MAX_ALIAS_VALUES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_SCALAR_CHARS",
    "FieldPath",
    "YamlDocument",
    "format_path",
    "parse_yaml",
]

MAX_FILE_BYTES = 1024 * 1024
MAX_ALIAS_VALUES = 100_000
MAX_SCALAR_CHARS = 100_000

FieldPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_TEXT_TAGS = frozenset({_TAG + "str", _TAG + "timestamp", _TAG + "value"})
_SCALAR_TAGS = frozenset({_TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"})
_KIND_TAGS = {"null": "null", "bool": "a boolean", "int": "a number", "float": "a number"}
# Characters no generated source file can carry: controls other than \t \n \r; surrogates.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_BLOCK_SCALAR_START = re.compile(r"(?:^|\s)[|>][-+1-9]{0,2}\s*(?:#.*)?$")
_SCALARS = SafeConstructor()
_TOO_BIG_HINT = "split a large API into several requirements files, one package each"
_TOO_MANY_REPEATS = (
    f"aliases repeat more than {MAX_ALIAS_VALUES:,} values"
    " (each use of *name repeats every value under &name)"
)
_TOO_MANY_REPEATS_HINT = "write the repeated values out (the 1 MiB file-size limit applies)"


@dataclass(frozen=True)
class YamlDocument:
    """Plain data parsed from YAML, with where each key and value was written."""

    data: dict[str, Any]
    positions: Mapping[FieldPath, Position]
    source: str
    value_positions: Mapping[FieldPath, Position] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def locate(self, path: FieldPath, *, value: bool = False) -> tuple[int | None, int | None]:
        """(line, column) of `path`'s key, or of its value; else of the nearest ancestor.

        Errors about a key (unknown, duplicate) point at the key; errors about what was
        written there ask for `value=True`, which matters when a value spans lines.
        """
        tables = (self.value_positions, self.positions) if value else (self.positions,)
        for end in range(len(path), -1, -1):
            for table in tables:
                if path[:end] in table:
                    return table[path[:end]]
        return None, None


def format_path(path: FieldPath) -> str:
    """`requirements.endpoints[1].method`: the spelling used in every diagnostic."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[\w-]+", part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


def parse_yaml(text: str | bytes, *, source: str) -> YamlDocument:
    """Parse one YAML document whose top level is a mapping; raise `SpecError` otherwise."""
    decoded = _decode(text, source)
    _reject_tab_indentation(decoded, source)
    root, alias_marks = compose(decoded, source)
    if root is None or (isinstance(root, ScalarNode) and root.tag == _TAG + "null"):
        _fail(source, "file is empty; expected a mapping with at least `service:`")
    if not isinstance(root, MappingNode):
        message = f"the top level must be a mapping of keys such as `service:`, not {_kind(root)}"
        _fail(source, message, *_mark(root))
    builder = _Builder(source, alias_marks)
    data = builder.build(root, ())
    if builder.problems:
        raise _error(source, builder.problems)
    return YamlDocument(
        data=data,
        positions=MappingProxyType(builder.positions),
        source=source,
        value_positions=MappingProxyType(builder.value_positions),
    )


def _decode(text: str | bytes, source: str) -> str:
    """Text from UTF-8 bytes (BOM allowed), refusing oversized input before decoding."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        message = f"file is larger than the {MAX_FILE_BYTES // 1024 // 1024} MiB limit"
        _fail(source, message, hint=_TOO_BIG_HINT)
    if isinstance(text, str):
        return text
    try:
        return text.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"file is not valid UTF-8 (byte 0x{text[exc.start]:02x})"
        before = text[: exc.start].decode("utf-8", "replace")
        line, column = _line_column(before, len(before))
        _fail(source, message, line, column, hint="save the file as UTF-8")


def _reject_tab_indentation(text: str, source: str) -> None:
    """Name the line of a tab in indentation, which PyYAML reports obscurely."""
    block_indent: int | None = None  # inside a block scalar, tabs are content
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        content = line.lstrip(" ")
        indent = len(line) - len(content)
        if block_indent is not None and (not line.strip() or indent > block_indent):
            continue
        block_indent = None
        if content.startswith("\t") and content.strip():
            message = f"tab character used for indentation at line {number}; YAML needs spaces"
            _fail(source, message, number, indent + 1)
        if _BLOCK_SCALAR_START.search(line):
            block_indent = indent


class _Builder:
    """Builds plain values from nodes, recording positions and collecting problems."""

    def __init__(self, source: str, alias_marks: AliasMarks) -> None:
        self.source = source
        self._alias_marks = alias_marks
        self.positions: dict[FieldPath, Position] = {}
        self.value_positions: dict[FieldPath, Position] = {}
        self.problems: list[Diagnostic] = []
        self._built: set[int] = set()  # nodes built once: building one again repeats it
        self._repeated = 0  # values built again through aliases
        self._alias: FieldPath | None = None  # where the alias being expanded was used
        self._open: set[int] = set()  # collections being built, to catch alias cycles

    def build(self, node: Node, path: FieldPath) -> Any:
        """The plain value of `node`, written at `path` (directly or through an alias)."""
        if id(node) not in self._built:
            self._built.add(id(node))
            return self._build(node, path)
        outermost = self._alias is None
        if outermost:
            self._alias = path
        try:
            return self._build(node, path)
        finally:
            if outermost:
                self._alias = None

    def _build(self, node: Node, path: FieldPath) -> Any:
        if self._alias is not None:
            self._repeated += 1
            if self._repeated > MAX_ALIAS_VALUES:
                self._abort_at_alias(_TOO_MANY_REPEATS, _TOO_MANY_REPEATS_HINT)
        self.value_positions[path] = _mark(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if len(path) >= MAX_DEPTH:
            self._abort(_TOO_DEEP, node, hint=_TOO_DEEP_HINT)
        if id(node) in self._open:
            self._abort("an alias refers to a collection that contains it", node)
        self._open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            assert isinstance(node, SequenceNode)  # the composer builds no other kind
            return self._sequence(node, path)
        finally:
            self._open.discard(id(node))

    def _mapping(self, node: MappingNode, path: FieldPath) -> dict[str, Any]:
        if node.tag != _TAG + "map":
            self._unsupported_tag(node, path)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key is None:
                continue
            if key in result:
                first = self.positions[path + (key,)][0]
                message = f"duplicate key {key!r} (first defined at line {first})"
                self._problem(message, key_node, path + (key,))
                continue
            self.positions[path + (key,)] = _mark(key_node)
            result[key] = self.build(value_node, path + (key,))
        return result

    def _sequence(self, node: SequenceNode, path: FieldPath) -> list[Any]:
        if node.tag != _TAG + "seq":
            self._unsupported_tag(node, path)
        for index, item in enumerate(node.value):
            self.positions[path + (index,)] = self._alias_marks.get((id(node), index), _mark(item))
        return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]

    def _key(self, node: Node, path: FieldPath) -> str | None:
        """The key as text, or None after recording why it cannot be one."""
        if node.tag == _TAG + "merge":
            self._problem("merge keys (`<<`) are not supported; write the keys out", node)
            return None
        if not isinstance(node, ScalarNode) or node.tag not in _TEXT_TAGS:
            quotable = isinstance(node, ScalarNode) and node.value
            hint = f'quote it: "{node.value}":' if quotable else None
            self._problem(f"keys must be text, not {_kind(node)}", node, path, hint)
            return None
        key = self._scalar(node, path)
        return key if isinstance(key, str) else None

    def _scalar(self, node: ScalarNode, path: FieldPath) -> Any:
        if len(node.value) > MAX_SCALAR_CHARS:
            self._abort(f"a value is longer than {MAX_SCALAR_CHARS:,} characters", node)
        if node.tag in _TEXT_TAGS:
            return self._text(node, path)
        if node.tag not in _SCALAR_TAGS:
            return self._unsupported_tag(node, path)
        try:
            return getattr(_SCALARS, f"construct_yaml_{node.tag[len(_TAG):]}")(node)
        except (ValueError, KeyError, IndexError):
            self._problem(f"{node.value!r} is not a valid {node.tag[len(_TAG):]}", node, path)
            return None

    def _text(self, node: ScalarNode, path: FieldPath) -> str | None:
        value = _join_surrogate_pairs(str(node.value))
        bad = _UNWRITABLE.search(value)
        if bad is None:
            return value
        message = f"contains {_char_name(bad.group())}, which cannot be written into generated code"
        self._problem(message, node, path, "remove it or use a visible character")
        return None

    def _unsupported_tag(self, node: Node, path: FieldPath) -> None:
        tag = node.tag.replace(_TAG, "!!")
        hint = "only plain YAML values are read: text, numbers, booleans, lists and mappings"
        self._problem(f"the tag {tag} is not supported", node, path, hint)

    def _problem(
        self, message: str, node: Node, path: FieldPath = (), hint: str | None = None
    ) -> None:
        line, column = _mark(node)
        self.problems.append(
            Diagnostic(message, self.source, line, column, format_path(path) or None, hint)
        )

    def _abort(self, message: str, node: Node, *, hint: str | None = None) -> NoReturn:
        _fail(self.source, message, *_mark(node), hint=hint)

    def _abort_at_alias(self, message: str, hint: str) -> NoReturn:
        """Fail at the outermost alias being expanded: at its key, or at the list item."""
        site = self._alias or ()
        line, column = self.positions.get(site, (None, None))
        diagnostic = Diagnostic(message, self.source, line, column, format_path(site), hint)
        raise _error(self.source, [diagnostic])


def _mark(node: Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return _KIND_TAGS.get(node.tag.replace(_TAG, ""), "text")


def _join_surrogate_pairs(text: str) -> str:
    """`text` with each escaped UTF-16 pair (JSON's `"\\ud83d\\ude80"`) made one character.

    YAML and JSON writers escape characters beyond the BMP as two surrogates; only a lone one
    is really unwritable.
    """
    return _SURROGATE_PAIR.sub(
        lambda m: m.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le"), text
    )

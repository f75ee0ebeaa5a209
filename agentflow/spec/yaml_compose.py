"""The node tree of one YAML text, within the depth limit, with YAML errors as diagnostics.

PyYAML's composer builds the tree from parser events. The events come from libyaml (C) when
PyYAML was built with it: about five times faster than PyYAML's pure-Python scanner, which
is most of the time it takes to load a large requirements file. Otherwise, and whenever
libyaml finds a problem, they come from the pure-Python parser, whose error messages (and
the hints added here) are the ones users see. The two parsers are ports of one another and
give the same values and positions, except that PyYAML refuses tabs where libyaml takes them
as spaces and treats a byte-order mark or a Unicode line break inside the text differently:
text with any of those goes to PyYAML alone, so such a file is read as it always was. (What
is left: libyaml takes a comment glued to a block scalar indicator, `|#`, and places the
empty value of an explicit `? key` differently.)

The composer refuses collections nested deeper than `MAX_DEPTH` as soon as it meets them,
so deep flow collections cannot exhaust the stack. Aliases cost nothing here (the composer
shares the anchored node); `yaml_source` counts what they repeat.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import yaml
from yaml.composer import Composer
from yaml.nodes import Node, SequenceNode
from yaml.resolver import Resolver

from agentflow.errors import Diagnostic, SpecError

__all__ = ["MAX_DEPTH", "AliasMarks", "Position", "compose", "fail", "spec_error"]

MAX_DEPTH = 50

Position = tuple[int, int]
AliasMarks = dict[tuple[int, int], Position]
"""Where each alias written as a list item was: (id of the list node, index) → position."""

TOO_DEEP = f"mappings and lists are nested more than {MAX_DEPTH} levels deep"
TOO_DEEP_HINT = "flatten the structure; requirements need only a few levels"
_PYYAML_STRICTER = re.compile("[\t\ufeff\x85\u2028\u2029]")
_HINTS = {
    "mapping values are not allowed": "quote a value that contains ': '",
    "found undefined alias": "define the anchor (&name) before using *name",
    "expected a single document": "keep one document per file",
    "cannot start any token": "quote values that start with '@', '`' or '%'",
}


class _Limits(Composer):
    """The composer, refusing collections nested deeper than `MAX_DEPTH`.

    An alias in a list leaves its position in `alias_marks`, since the shared node it stands
    for only knows where its anchor was written.
    """

    if TYPE_CHECKING:  # given by the parser it is mixed with

        def check_event(self, *choices: Any) -> bool: ...
        def peek_event(self) -> Any: ...
        def dispose(self) -> None: ...

    def _init_limits(self, source: str) -> None:
        self.source, self.depth = source, 0
        self.alias_marks: AliasMarks = {}

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if isinstance(parent, SequenceNode) and self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            self.alias_marks[id(parent), index] = (mark.line + 1, mark.column + 1)
        if not self.check_event(yaml.MappingStartEvent, yaml.SequenceStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            fail(self.source, TOO_DEEP, mark.line + 1, mark.column + 1, hint=TOO_DEEP_HINT)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _PythonLoader(_Limits, yaml.SafeLoader):
    """PyYAML's own reader, scanner and parser: the reference, and the wording of errors."""

    def __init__(self, text: str, source: str) -> None:
        yaml.SafeLoader.__init__(self, text)
        self._init_limits(source)


_LOADERS: tuple[Callable[[str, str], _Limits], ...] = (_PythonLoader,)
if yaml.__with_libyaml__:  # PyYAML wheels for common platforms include libyaml
    from yaml._yaml import CParser

    class _LibyamlLoader(_Limits, CParser, Resolver):
        """libyaml's events composed by the same Python composer (which comes first)."""

        def __init__(self, text: str, source: str) -> None:
            CParser.__init__(self, text)
            Composer.__init__(self)
            Resolver.__init__(self)
            self._init_limits(source)

    _LOADERS = (_LibyamlLoader, *_LOADERS)


def compose(text: str, source: str) -> tuple[Node | None, AliasMarks]:
    """The node tree of the single document in `text` and where aliases in lists were
    written; a `SpecError` for YAML that cannot be read."""
    loaders = _LOADERS[-1:] if _PYYAML_STRICTER.search(text) else _LOADERS
    for loader_class in loaders[:-1]:
        try:
            return _compose_with(loader_class, text, source)
        except (yaml.YAMLError, UnicodeError):
            pass  # read it again with the parser whose messages users get
    try:
        return _compose_with(loaders[-1], text, source)
    except yaml.reader.ReaderError as exc:
        name = char_name(chr(exc.character))
        fail(source, f"{name} is not allowed in YAML", *line_column(text, exc.position))
    except yaml.MarkedYAMLError as exc:
        raise spec_error(source, [_yaml_problem(exc, source)]) from exc


def _compose_with(
    loader_class: Callable[[str, str], _Limits], text: str, source: str
) -> tuple[Node | None, AliasMarks]:
    loader = loader_class(text, source)
    try:
        return loader.get_single_node(), loader.alias_marks
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.MarkedYAMLError, source: str) -> Diagnostic:
    """PyYAML's problem and context as one short sentence, at the problem's position."""
    message = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context and exc.problem.startswith("but "):
        message = f"{exc.context}, {exc.problem}"
    elif exc.problem and exc.context:
        started = f" started at line {exc.context_mark.line + 1}" if exc.context_mark else ""
        message += f" ({exc.context}{started})"
    mark = exc.problem_mark or exc.context_mark
    hint = next((h for key, h in _HINTS.items() if key in message), None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return Diagnostic(message, file=source, line=line, column=column, hint=hint)


def line_column(text: str, index: int) -> Position:
    """1-based line and column of the character at `index`."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def char_name(char: str) -> str:
    """How a diagnostic names a character that cannot be read or written."""
    code = f"U+{ord(char):04X}"
    if char == "\0":
        return f"a NUL character ({code})"
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate ({code})"
    return f"the control character {code}"


def spec_error(source: str, problems: list[Diagnostic]) -> SpecError:
    """The one error a requirements file that cannot be read raises, its problems in order."""
    ordered = sorted(dict.fromkeys(problems), key=lambda d: (d.line or 0, d.column or 0))
    return SpecError(f"{source} is not a valid requirements file", diagnostics=tuple(ordered))


def fail(
    source: str,
    message: str,
    line: int | None = None,
    column: int | None = None,
    *,
    hint: str | None = None,
) -> NoReturn:
    """Raise `spec_error` with one problem."""
    raise spec_error(source, [Diagnostic(message, source, line, column, hint=hint)])

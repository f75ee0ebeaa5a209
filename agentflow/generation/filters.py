"""Escaping filters: the only way a user's value reaches a generated file.

Each filter makes arbitrary text safe for one place in one kind of file, so a service name,
description or path can never close a string, open a docstring, start a Jinja expression
or inject markup:

    pyrepr     a Python literal (repr of str/int/float/bool/None and tuples/lists/dicts of them)
    docstring  prose inside a triple-quoted docstring (quotes and backslashes escaped, wrapped)
    comment    one line of prose after `#` (Python or YAML)
    ident      a Python identifier (keywords, digits and unicode handled)
    yamlstr    a YAML double-quoted scalar (also numbers, booleans and null)
    tomlstr    a TOML basic string
    mdtext     inline Markdown text (markup, HTML and table pipes neutralised)
    mdcode     an inline Markdown code span holding the text verbatim
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Callable
from typing import Any

from agentflow.naming import identifier

__all__ = [
    "ESCAPING_FILTERS",
    "comment",
    "docstring",
    "ident",
    "mdcode",
    "mdtext",
    "pyrepr",
    "tomlstr",
    "yamlstr",
]

LINE_WIDTH = 88
_SCALARS = (str, int, float, bool, type(None))
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
_MD_LIST_MARK = re.compile(r"^([-+=])")
_MD_ORDERED_MARK = re.compile(r"^(\d+)([.)])")
_TOML_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def pyrepr(value: Any) -> str:
    """A Python literal for `value` that `ast.literal_eval` turns back into `value`.

    Sets are refused (their order depends on hashing) and so are non-finite floats (their
    repr is not a literal), so the output is always deterministic valid source.
    """
    _check_literal(value)
    return repr(value)


def _check_literal(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} has no Python literal form")
    if isinstance(value, _SCALARS):
        return
    if isinstance(value, tuple | list):
        for item in value:
            _check_literal(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_literal(key)
            _check_literal(item)
        return
    raise TypeError(f"pyrepr cannot render a {type(value).__name__} as a Python literal")


def _printable(text: str) -> str:
    """`text` with tabs and every non-printable character replaced by a space."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _paragraphs(text: str) -> list[str]:
    """Paragraphs of `text` (split at blank lines), each collapsed onto one line."""
    paragraphs: list[list[str]] = [[]]
    for line in str(text).splitlines():
        words = _printable(line).split()
        if words:
            paragraphs[-1].extend(words)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [" ".join(words) for words in paragraphs if words]


def docstring(text: Any, indent: int = 4, width: int = LINE_WIDTH) -> str:
    """Text safe inside a `\"\"\"` docstring whose lines are indented by `indent` spaces.

    Backslashes are doubled and quotes that could end the docstring are escaped, so the
    text can neither close it nor form an escape sequence; paragraphs are kept, other
    whitespace collapsed and lines wrapped to fit `width` with indentation and quotes.
    """
    room = max(20, width - indent - 6)
    margin = "\n" + " " * indent
    blocks = [
        margin.join(textwrap.wrap(p, room, break_long_words=False, break_on_hyphens=False))
        for p in _paragraphs(text)
    ]
    return _escape_quotes(("\n" + margin).join(blocks))  # one empty line between paragraphs


def _escape_quotes(text: str) -> str:
    """Double every backslash; escape each `"` next to another `"` or at the very end.

    Three quotes in a row (or one touching the closing delimiter) are what could end a
    docstring, so lone quotes inside the text stay readable.
    """
    out = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"' and (i == last or '"' in (text[i - 1 : i] + text[i + 1 : i + 2])):
            out.append('\\"')
        else:
            out.append(ch)
    return "".join(out)


def comment(text: Any) -> str:
    """Text safe after `#`: one line, whitespace and control characters collapsed."""
    return " ".join(" ".join(_paragraphs(text)).split())


def ident(text: Any) -> str:
    """A snake_case Python identifier for `text` (see `agentflow.naming.identifier`)."""
    return identifier(str(text))


def _escape_unprintable(text: str, named: dict[str, str]) -> str:
    """`text` with quotes, backslashes and non-printable characters as escapes."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in named:
            out.append(named[ch])
        elif "\ud800" <= ch <= "\udfff":
            out.append("\\uFFFD")  # a lone surrogate cannot be encoded in UTF-8
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) > 0xFFFF:
            out.append(f"\\U{ord(ch):08X}")
        else:
            out.append(f"\\u{ord(ch):04X}")
    return '"' + "".join(out) + '"'


def yamlstr(value: Any) -> str:
    """A YAML scalar: strings double-quoted and escaped; numbers, booleans, null as such."""
    if value is None or isinstance(value, bool | int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value!r} has no YAML form here")
        return json.dumps(value)
    return _escape_unprintable(str(value), {"\n": "\\n", "\t": "\\t", "\r": "\\r"})


def tomlstr(value: Any) -> str:
    """A TOML basic string (`"..."`) holding `value`."""
    return _escape_unprintable(str(value), _TOML_ESCAPES)


def mdtext(text: Any) -> str:
    """Inline Markdown for plain text: no markup, no HTML, safe inside a table cell."""
    flat = comment(text)
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    flat = _MD_LIST_MARK.sub(r"\\\1", flat)
    return _MD_ORDERED_MARK.sub(r"\1\\\2", flat)


def mdcode(text: Any) -> str:
    """An inline code span showing `text` verbatim (on one line), whatever it contains.

    The fence is one backtick longer than the longest backtick run inside, and padded
    with spaces when the text starts or ends with a backtick, as CommonMark requires.
    A `|` is escaped so the span is also safe in a table cell (GFM strips the escape).
    """
    flat = comment(text)
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat.replace('|', chr(92) + '|')}{pad}{fence}"


ESCAPING_FILTERS: dict[str, Callable[..., Any]] = {
    "comment": comment,
    "docstring": docstring,
    "ident": ident,
    "mdcode": mdcode,
    "mdtext": mdtext,
    "pyrepr": pyrepr,
    "tomlstr": tomlstr,
    "yamlstr": yamlstr,
}

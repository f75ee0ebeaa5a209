"""The escaping filters: hostile text must come out as data, never as code or markup."""

from __future__ import annotations

import ast
import html
import io
import re
import tokenize
from pathlib import Path
from typing import Any

import black
import pytest
import yaml
from markdown_it import MarkdownIt

from agentflow.generation.filters import (
    comment,
    docstring,
    ident,
    mdcode,
    mdtext,
    pyrepr,
    tomlstr,
    yamlstr,
)
from agentflow.generation.rendering import FILTERS, get_environment

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

HOSTILE = [
    "",
    "plain",
    'double "quoted"',
    "single 'quoted'",
    '"""; import os; os.system("touch CANARY") #',
    "'''",
    '"',
    'ends with a quote"',
    'ends with two quotes""',
    "back\\slash",
    "trailing backslash\\",
    "\\",
    "\\N{BULLET} \\x41 \\u0041",
    "line one\nline two\r\nline three\rline four",
    "para one\n\n\n\npara two",
    "{{ 7*7 }} {% if true %}x{% endif %} {# c #}",
    "${HOME} $(whoami) `id`",
    "class def return None True",
    "2fa 42",
    "Évil ünïcødé ß 日本語 🚀",
    "tab\there\vvertical\fform feed\x01\x1f\x7f",
    "\u2028line separator\u2029paragraph separator\x85next line",
    "zero\u200bwidth \ufeffbom",
    "<script>alert(1)</script> & &amp;",
    "| a | b |",
    "*bold* _em_ [link](http://x) ![img](y) # heading ~~strike~~",
    "1. list\n- bullet\n+ plus\n> quote\n= setext",
    "x" * 300,
    " ".join(["word"] * 80),
]


def normalize(text: str) -> str:
    """Whitespace and non-printable characters collapsed: what prose filters keep."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def test_every_escaping_filter_is_registered() -> None:
    names = {"pyrepr", "docstring", "comment", "ident", "yamlstr", "tomlstr", "mdtext", "mdcode"}
    assert names <= set(FILTERS)
    env = get_environment((Path(__file__).parent,))
    assert names <= set(env.filters)


@pytest.mark.parametrize("text", HOSTILE)
def test_pyrepr_round_trips_strings(text: str) -> None:
    assert ast.literal_eval(pyrepr(text)) == text


@pytest.mark.parametrize(
    "value",
    [0, -7, 2.5, 1e300, True, False, None, (), ("a", 1), ["x", None], {"k": ("v", 2.0)}],
)
def test_pyrepr_round_trips_literals(value: Any) -> None:
    assert ast.literal_eval(pyrepr(value)) == value


@pytest.mark.parametrize("value", [{"a", "b"}, object(), float("nan"), float("inf"), [b"x"]])
def test_pyrepr_refuses_values_without_a_deterministic_literal(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        pyrepr(value)


def test_pyrepr_escapes_lone_surrogates() -> None:
    out = pyrepr("\ud800")
    out.encode("utf-8")
    assert ast.literal_eval(out) == "\ud800"


def _docstring_of(source: str) -> str:
    module = ast.parse(source)
    function = module.body[0]
    assert isinstance(function, ast.FunctionDef)
    return ast.get_docstring(function, clean=False) or ""


@pytest.mark.parametrize("text", HOSTILE)
def test_docstring_keeps_the_text_and_cannot_close_the_docstring(text: str) -> None:
    source = f'def f():\n    """{docstring(text)}"""\n    return 1\n'
    assert normalize(_docstring_of(source)) == normalize(text)
    formatted = black.format_str(source, mode=black.Mode())
    assert normalize(_docstring_of(formatted)) == normalize(text)
    assert "return 1" in formatted


@pytest.mark.parametrize("text", HOSTILE)
def test_docstring_fragments_are_safe_next_to_template_text(text: str) -> None:
    source = f'class C:\n    def m(self):\n        """Lead {docstring(text, 8)}"""\n'
    method = ast.parse(source).body[0].body[0]  # type: ignore[attr-defined]
    assert normalize(ast.get_docstring(method) or "") == normalize(f"Lead {text}")


def test_docstring_wraps_and_keeps_paragraphs() -> None:
    text = " ".join(["word"] * 60) + "\n\nsecond paragraph"
    out = docstring(text, 8)
    lines = out.split("\n")
    assert all(len(line) <= 88 for line in lines)
    assert all(line.startswith(" " * 8) for line in lines[1:] if line)
    assert "" in lines  # the blank line between the paragraphs
    assert lines[-1] == "        second paragraph"


def test_docstring_leaves_lone_quotes_readable() -> None:
    assert docstring('say "hi" now') == 'say "hi" now'
    assert docstring('x"""y') == 'x\\"\\"\\"y'


@pytest.mark.parametrize("text", HOSTILE)
def test_comment_is_one_harmless_line(text: str) -> None:
    out = comment(text)
    assert out == normalize(text)
    source = f"x = 1  # {out}\n"
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    kinds = [t.type for t in tokens]
    assert kinds.count(tokenize.COMMENT) == 1
    assert kinds.count(tokenize.NEWLINE) == 1
    assert yaml.safe_load(f"key: 1  # {out}\n") == {"key": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("class", "class_"),
        ("2fa", "_2fa"),
        ("user-id", "user_id"),
        ("naïve", "naive"),
        ("日本", "value"),
        ("getUserName", "get_user_name"),
        ("{{ 7*7 }}", "_7_7"),
    ],
)
def test_ident_is_a_safe_identifier(text: str, expected: str) -> None:
    out = ident(text)
    assert out == expected
    assert out.isidentifier()


@pytest.mark.parametrize("text", [*HOSTILE, "\ufffe", "\U0001d11e clef"])
def test_yamlstr_round_trips(text: str) -> None:
    out = yamlstr(text)
    assert "\n" not in out
    assert yaml.safe_load(f"key: {out}\n") == {"key": text}


@pytest.mark.parametrize("value", [0, 3, 2.5, True, False, None])
def test_yamlstr_keeps_scalars_typed(value: Any) -> None:
    assert yaml.safe_load(f"key: {yamlstr(value)}") == {"key": value}


def test_yamlstr_replaces_lone_surrogates() -> None:
    assert yaml.safe_load(yamlstr("a\ud800b")) == "a\ufffdb"


@pytest.mark.parametrize("text", [*HOSTILE, "\U0001d11e clef", "\x00nul"])
def test_tomlstr_round_trips(text: str) -> None:
    out = tomlstr(text)
    assert "\n" not in out
    assert tomllib.loads(f"key = {out}\n") == {"key": text}


def _rendered_text(markdown: str) -> str:
    rendered = MarkdownIt("commonmark").render(markdown)
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n"), rendered
    inner = rendered[len("<p>") : -len("</p>\n")]
    assert "<" not in inner, f"markup leaked: {rendered}"
    return html.unescape(inner)


@pytest.mark.parametrize("text", [t for t in HOSTILE if normalize(t)])
def test_mdtext_renders_as_the_literal_text(text: str) -> None:
    out = mdtext(text)
    assert "\n" not in out
    assert _rendered_text(out) == normalize(text)


@pytest.mark.parametrize("text", [t for t in HOSTILE if normalize(t)])
def test_mdtext_and_mdcode_stay_inside_their_table_cell(text: str) -> None:
    table = f"| a | b | c |\n| --- | --- | --- |\n| {mdtext(text)} | {mdcode(text)} | end |\n"
    rendered = MarkdownIt("commonmark").enable("table").render(table)
    body = rendered.split("<tbody>")[1]
    assert body.count("<td>") == 3
    assert "<td>end</td>" in body
    assert "<script" not in rendered


@pytest.mark.parametrize("text", ["GITHUB_TOKEN", "a`b", "``x``", "`edge`", "x|y"])
def test_mdcode_shows_the_text_verbatim(text: str) -> None:
    rendered = MarkdownIt("commonmark").render(mdcode(text))
    code = re.fullmatch(r"<p><code>(.*)</code></p>\n", rendered, re.S)
    assert code is not None, rendered
    assert html.unescape(code.group(1)).replace("\\|", "|") == text


def test_template_syntax_in_values_is_never_evaluated(tmp_path: Path) -> None:
    (tmp_path / "t.jinja").write_text(
        "{{ v | pyrepr }}|{{ v | docstring }}|{{ v | comment }}|{{ v | yamlstr }}|"
        "{{ v | tomlstr }}|{{ v | mdtext }}\n"
    )
    template = get_environment((tmp_path,)).get_template("t.jinja")
    out = template.render(v="{{ 7*7 }}{% raw %}")
    assert "49" not in out
    assert out.count("{{ 7*7 }}{% raw %}") == 5
    assert "{{ 7\\*7 }}{% raw %}" in out

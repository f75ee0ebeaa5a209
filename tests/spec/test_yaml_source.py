"""Safe YAML parsing: plain values with positions, limits, and located errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentflow.errors import Diagnostic, SpecError
from agentflow.spec.yaml_source import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    YamlDocument,
    format_path,
    parse_yaml,
)

pytestmark = pytest.mark.usefixtures("parser")  # each test runs with both parsers


def problems(text: str | bytes) -> tuple[Diagnostic, ...]:
    """The diagnostics `parse_yaml` raises for `text` (failing the test if it accepts it)."""
    with pytest.raises(SpecError) as caught:
        parse_yaml(text, source="spec.yaml")
    assert caught.value.message == "spec.yaml is not a valid requirements file"
    assert caught.value.diagnostics, "a SpecError must say what is wrong"
    return caught.value.diagnostics


def only(text: str | bytes) -> Diagnostic:
    (diagnostic,) = problems(text)
    assert diagnostic.file == "spec.yaml"
    return diagnostic


SAMPLE = """\
# a comment first
service: GitHub
requirements:
  base_url: https://api.github.com
  endpoints:
    - method: GET
      path: /user
    - {method: POST, path: "/repos"}
"""


def test_builds_plain_values() -> None:
    document = parse_yaml(SAMPLE, source="spec.yaml")
    assert document.data == {
        "service": "GitHub",
        "requirements": {
            "base_url": "https://api.github.com",
            "endpoints": [
                {"method": "GET", "path": "/user"},
                {"method": "POST", "path": "/repos"},
            ],
        },
    }
    assert document.source == "spec.yaml"


def test_records_key_and_value_positions() -> None:
    document = parse_yaml(SAMPLE, source="spec.yaml")
    assert document.positions[("service",)] == (2, 1)
    assert document.value_positions[("service",)] == (2, 10)
    assert document.positions[("requirements", "endpoints", 0)] == (6, 7)
    assert document.positions[("requirements", "endpoints", 0, "path")] == (7, 7)
    assert document.positions[("requirements", "endpoints", 1, "path")] == (8, 22)
    assert document.value_positions[("requirements", "endpoints", 1, "path")] == (8, 28)


def test_locate_falls_back_to_the_nearest_known_ancestor() -> None:
    document = parse_yaml(SAMPLE, source="spec.yaml")
    assert document.locate(("requirements", "endpoints", 1, "name")) == (8, 7)
    assert document.locate(("requirements", "nope", 3)) == (3, 1)
    assert document.locate(("requirements", "base_url"), value=True) == (4, 13)
    assert YamlDocument(data={}, positions={}, source="x").locate(("a",)) == (None, None)


def test_positions_are_read_only() -> None:
    document = parse_yaml(SAMPLE, source="spec.yaml")
    with pytest.raises(TypeError):
        document.positions[("x",)] = (1, 1)  # type: ignore[index]


@pytest.mark.parametrize("text", ["", "   \n\n", "# only\n# comments\n", "---\n", "null\n"])
def test_empty_file(text: str) -> None:
    diagnostic = only(text)
    assert diagnostic.message == "file is empty; expected a mapping with at least `service:`"


@pytest.mark.parametrize(
    ("text", "kind", "line"),
    [("- service: x\n", "a list", 1), ("# c\nGitHub\n", "text", 2), ("42\n", "a number", 1)],
)
def test_top_level_must_be_a_mapping(text: str, kind: str, line: int) -> None:
    diagnostic = only(text)
    assert diagnostic.message.startswith("the top level must be a mapping")
    assert diagnostic.message.endswith(f"not {kind}")
    assert diagnostic.line == line


def test_tab_indentation_names_the_line() -> None:
    diagnostic = only("service: x\nrequirements:\n\tbase_url: https://x\n")
    assert diagnostic.message == ("tab character used for indentation at line 3; YAML needs spaces")
    assert (diagnostic.line, diagnostic.column) == (3, 1)


def test_tab_after_spaces_in_indentation_is_found() -> None:
    assert only("a:\n  b: 1\n  \tc: 2\n").line == 3


def test_tab_inside_a_block_scalar_is_content() -> None:
    document = parse_yaml("description: |\n  one\n  \ttwo\nservice: x\n", source="s")
    assert document.data == {"description": "one\n\ttwo\n", "service": "x"}


def test_duplicate_key_points_at_the_second_and_names_the_first() -> None:
    diagnostic = only("service: a\ndescription: d\nservice: b\n")
    assert diagnostic.message == "duplicate key 'service' (first defined at line 1)"
    assert (diagnostic.line, diagnostic.column) == (3, 1)


def test_duplicate_nested_key() -> None:
    diagnostic = only("requirements:\n  timeout: 1\n  timeout: 2\n")
    assert (diagnostic.line, diagnostic.field) == (3, "requirements.timeout")


def test_all_duplicate_keys_are_reported_in_line_order() -> None:
    found = problems("a: 1\nb: 2\na: 3\nb: 4\n")
    assert [(d.line, d.message.split()[2]) for d in found] == [(3, "'a'"), (4, "'b'")]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1: x\n", "a number"),
        ("1.5: x\n", "a number"),
        ("null: x\n", "null"),
        ("~: x\n", "null"),
        ("on: x\n", "a boolean"),
        ("true: x\n", "a boolean"),
        ("? [a]\n: x\n", "a list"),
        ("? {a: b}\n: x\n", "a mapping"),
    ],
)
def test_keys_must_be_text(text: str, kind: str) -> None:
    diagnostic = only(text)
    assert diagnostic.message == f"keys must be text, not {kind}"
    assert diagnostic.line == 1


def test_non_text_key_hint_says_to_quote() -> None:
    assert only("service: x\n404: not found\n").hint == 'quote it: "404":'


def test_quoted_keys_are_text() -> None:
    assert parse_yaml('"1": x\n"on": y\n', source="s").data == {"1": "x", "on": "y"}


@pytest.mark.parametrize(
    ("escape", "name"),
    [
        ("\\0", "a NUL character (U+0000)"),
        ("\\ud800", "a lone surrogate (U+D800)"),
        ("\\udfff", "a lone surrogate (U+DFFF)"),
        ("\\a", "the control character U+0007"),
        ("\\e", "the control character U+001B"),
        ("\\x7f", "the control character U+007F"),
        ("\\x85", "the control character U+0085"),
        ("\\x9f", "the control character U+009F"),
    ],
)
def test_strings_that_cannot_be_written_into_code(escape: str, name: str) -> None:
    diagnostic = only(f'service: x\nrequirements:\n  endpoints:\n    - path: "/a{escape}b"\n')
    assert diagnostic.field == "requirements.endpoints[0].path"
    assert diagnostic.message == f"contains {name}, which cannot be written into generated code"
    assert diagnostic.line == 4


@pytest.mark.parametrize(
    "text", ['"\\ud83d\\ude80 launch"', '"\\U0001F680 launch"', "\U0001f680 launch"]
)
def test_characters_beyond_the_bmp_are_one_character_however_escaped(text: str) -> None:
    assert parse_yaml(f"service: {text}\n", source="s").data == {"service": "\U0001f680 launch"}


def test_a_surrogate_pair_split_by_other_text_is_still_refused() -> None:
    assert "lone surrogate (U+D83D)" in only('service: "\\ud83d-\\ude80"\n').message


def test_unwritable_character_in_a_key() -> None:
    diagnostic = only('"ser\\0vice": x\n')
    assert "NUL" in diagnostic.message and diagnostic.line == 1


def test_allowed_whitespace_escapes_pass() -> None:
    assert parse_yaml('a: "x\\ty\\nz\\r"\n', source="s").data == {"a": "x\ty\nz\r"}


def test_raw_nul_character_is_refused_by_the_reader() -> None:
    diagnostic = only("service: a\x00b\n")
    assert diagnostic.message == "a NUL character (U+0000) is not allowed in YAML"
    assert (diagnostic.line, diagnostic.column) == (1, 11)


def test_file_over_the_size_limit_is_refused_before_parsing() -> None:
    # Not even valid YAML: the size check must come first.
    raw = b"service: [" + b"x" * (2 * MAX_FILE_BYTES)
    assert only(raw).message == "file is larger than the 1 MiB limit"


def test_text_over_the_size_limit_counts_utf8_bytes() -> None:
    text = "a: " + "é" * (MAX_FILE_BYTES // 2 + 1)  # fewer characters than bytes
    assert len(text) < MAX_FILE_BYTES
    assert "1 MiB" in only(text).message


def test_aliases_are_expanded_with_positions() -> None:
    document = parse_yaml("base: &b {x: 1}\ncopy: *b\n", source="s")
    assert document.data == {"base": {"x": 1}, "copy": {"x": 1}}
    assert document.positions[("copy",)] == (2, 1)
    assert document.positions[("copy", "x")] == (1, 11)


def test_an_alias_in_a_list_is_located_where_it_was_written() -> None:
    document = parse_yaml("base: &b {x: 1}\nlist:\n  - 0\n  - *b\n", source="s")
    assert document.positions[("list", 1)] == (4, 5)
    assert document.positions[("list", 1, "x")] == (1, 11)


def test_recursive_alias_is_refused() -> None:
    assert "contains it" in only("a: &a [1, *a]\n").message


def nested(depth: int) -> str:
    """A mapping holding lists nested so that the whole document is `depth` deep."""
    return "a: " + "[" * (depth - 1) + "1" + "]" * (depth - 1) + "\n"


def test_nesting_up_to_the_limit_is_accepted() -> None:
    data: Any = parse_yaml(nested(MAX_DEPTH), source="s").data
    for _ in range(MAX_DEPTH - 1):
        (data,) = data.values() if isinstance(data, dict) else data
    assert data == [1]


def test_nesting_past_the_limit_is_refused_while_composing() -> None:
    diagnostic = only(nested(MAX_DEPTH + 1))
    assert diagnostic.message == "mappings and lists are nested more than 50 levels deep"
    assert diagnostic.hint == "flatten the structure; requirements need only a few levels"
    assert (diagnostic.line, diagnostic.column) == (1, MAX_DEPTH + 3)


def test_very_deep_nesting_does_not_exhaust_the_stack() -> None:
    assert "nested more than" in only("a: " + "[" * 100_000 + "\n").message


def test_nesting_through_aliases_is_refused_while_building() -> None:
    lines = ["l0: &l0 [x]"] + [f"l{i}: &l{i} [*l{i - 1}]" for i in range(1, MAX_DEPTH + 5)]
    assert "nested more than 50" in only("\n".join(lines) + "\n").message


def test_overlong_scalar_is_refused() -> None:
    assert "longer than 100,000 characters" in only("a: " + "x" * 100_001 + "\n").message


def test_non_utf8_bytes_are_located() -> None:
    diagnostic = only("service: x\ndescription: caf\xe9\n".encode("latin-1"))
    assert diagnostic.message == "file is not valid UTF-8 (byte 0xe9)"
    assert (diagnostic.line, diagnostic.column) == (2, 17)
    assert diagnostic.hint == "save the file as UTF-8"


def test_utf8_with_bom_is_accepted() -> None:
    assert parse_yaml("\ufeffservice: Ünïcode\n".encode(), source="s").data == {
        "service": "Ünïcode"
    }


def test_python_tag_is_rejected_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f'service: x\nrun: !!python/object/apply:os.system ["touch {marker}"]\n'
    diagnostic = only(text)
    assert diagnostic.message == "the tag !!python/object/apply:os.system is not supported"
    assert (diagnostic.field, diagnostic.line) == ("run", 2)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!custom x", "!custom"),
        ("!!binary aGk=", "!!binary"),
        ("!!set {a, b}", "!!set"),
        ("!!omap [a: 1]", "!!omap"),
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ("!!map x", "!!map"),
    ],
)
def test_non_standard_tags_are_rejected(value: str, tag: str) -> None:
    assert only(f"a: {value}\n").message == f"the tag {tag} is not supported"


def test_standard_tags_are_honoured() -> None:
    text = "a: !!str 123\nb: !!int '12'\nc: !!float '1.5'\nd: !!bool 'true'\ne: !!null ''\n"
    assert parse_yaml(text, source="s").data == {
        "a": "123",
        "b": 12,
        "c": 1.5,
        "d": True,
        "e": None,
    }


def test_standard_tag_with_a_bad_value() -> None:
    diagnostic = only("a: 1\nb: !!int abc\n")
    assert (diagnostic.message, diagnostic.line) == ("'abc' is not a valid int", 2)


def test_only_plain_types_come_out() -> None:
    text = "a: 2024-01-01\nb: =\nc: 0x1F\nd: 1_000\ne: .inf\nf: ~\ng: off\n"
    data = parse_yaml(text, source="s").data
    assert data == {
        "a": "2024-01-01",
        "b": "=",
        "c": 31,
        "d": 1000,
        "e": float("inf"),
        "f": None,
        "g": False,
    }


def test_merge_keys_are_rejected_clearly() -> None:
    diagnostic = only("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert diagnostic.message == "merge keys (`<<`) are not supported; write the keys out"
    assert diagnostic.line == 3


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("service: a: b\n", "mapping values are not allowed here", 1),
        ("a: 1\nb: 'open\n", "found unexpected end of stream", 3),
        ("a: *missing\n", "found undefined alias 'missing'", 1),
        (
            "a: 1\n---\nb: 2\n",
            "expected a single document in the stream, but found another document",
            2,
        ),
    ],
)
def test_yaml_syntax_errors_are_short_and_located(text: str, message: str, line: int) -> None:
    diagnostic = only(text)
    assert diagnostic.message.startswith(message)
    assert diagnostic.line == line and diagnostic.column is not None
    assert "Traceback" not in str(diagnostic) and "<unicode string>" not in str(diagnostic)


def test_scanner_context_names_where_the_construct_started() -> None:
    message = only("a: 1\nb: 'open\n").message
    assert message.endswith("(while scanning a quoted scalar started at line 2)")


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("service",), "service"),
        (("requirements", "endpoints", 1, "method"), "requirements.endpoints[1].method"),
        (("headers", "X-Trace-Id"), "headers.X-Trace-Id"),
        (("headers", "a b"), "headers['a b']"),
        ((0,), "[0]"),
    ],
)
def test_format_path(path: tuple[str | int, ...], text: str) -> None:
    assert format_path(path) == text

"""Composing YAML with libyaml's events, and PyYAML's pure-Python parser as the reference."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agentflow.errors import SpecError
from agentflow.spec import yaml_compose
from agentflow.spec.yaml_source import parse_yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PYTHON_ONLY = (yaml_compose._PythonLoader,)
SAMPLE = "service: GitHub\nrequirements:\n  endpoints:\n    - {method: GET, path: /user}\n"
needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")


@needs_libyaml
def test_valid_files_never_reach_the_python_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, source: str) -> None:
        raise AssertionError("the pure-Python parser read a valid file")

    monkeypatch.setattr(yaml_compose, "_LOADERS", (yaml_compose._LOADERS[0], refuse))
    assert parse_yaml(SAMPLE, source="s").data["service"] == "GitHub"
    with pytest.raises(AssertionError, match="pure-Python"):
        parse_yaml("service: a: b\n", source="s")  # its messages are the ones users see


CORPUS = [
    SAMPLE,
    "service: Ünïcode ✓\nx: [é, \U0001f680, z]\ny: {\U0001f680: 1, b: 2}\n",
    "a: |\n  one\n   two\nb: >-\n  folded\n  text\nc: 'single ''q'''\nd: \"\\t\"\n",
    "a: |\n  tab\tinside\nb: c\n",
    "a: plain\n  continued\nb:\n- x\n- - y\n  - z\n? complex\n: value\n",
    "a: 1\r\nb:\r\n  - &x {c: 2}\r\n  - *x\r\n",
    "# comment\n--- \n{a: [1, 2.5, true, null, ~, 0o17, 1e3], 'b': \"c\"}\n...\n",
]


@pytest.mark.parametrize(
    "text", CORPUS + [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.glob("*.yaml"))]
)
@needs_libyaml
def test_both_parsers_build_the_same_document(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_compose, "_LOADERS", yaml_compose._LOADERS[:1])
    fast = parse_yaml(text, source="s")
    monkeypatch.setattr(yaml_compose, "_LOADERS", PYTHON_ONLY)
    reference = parse_yaml(text, source="s")
    assert fast.data == reference.data
    assert dict(fast.positions) == dict(reference.positions)
    assert dict(fast.value_positions) == dict(reference.value_positions)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a:\tb\n", "found character '\\t' that cannot start any token"),
        ("a: b\t\n", "found character '\\t' that cannot start any token"),
        ("a: [1,\t2]\n", "found character '\\t' that cannot start any token"),
        ("x: y\n\ufeff", "could not find expected ':'"),
    ],
)
def test_text_pyyaml_reads_more_strictly_than_libyaml_is_read_by_pyyaml(
    text: str, message: str
) -> None:
    # libyaml would accept each of these; the files were refused before it was used.
    with pytest.raises(SpecError) as caught:
        parse_yaml(text, source="s")
    assert caught.value.diagnostics[0].message.startswith(message)

"""Templates only lay out text: the context builders compute every list, join and condition.

A scan of every template under `templates/` for the Jinja constructs that assemble values:
`namespace()` accumulators, list displays and list-building or joining filters, and `set`
tags that compute instead of naming a ready value.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_TAG = re.compile(r"\{%-?\s*(.*?)\s*-?%\}", re.S)
_EXPRESSION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_FILTER = re.compile(r"\|\s*(\w+)")
# `{% set name = api.thing %}` or `{% set name = api.method(arg) %}`: an alias, nothing built.
_ALIAS = re.compile(r"set \w+ = [\w.]+(\([\w., ]*\))?")
# Filters that build, reorder, pick from or join lists: the context builder's job.
_LIST_FILTERS = frozenset(
    {
        "batch",
        "first",
        "groupby",
        "join",
        "last",
        "length",
        "list",
        "map",
        "reject",
        "rejectattr",
        "select",
        "selectattr",
        "slice",
        "sort",
        "sum",
        "unique",
    }
)


def layout_problems(text: str) -> list[str]:
    """What in a template's source computes a value rather than laying it out."""
    problems = []
    if "namespace(" in text:
        problems.append("a namespace() accumulator")
    tags = _TAG.findall(text)
    for code in tags + _EXPRESSION.findall(text):
        problems += [
            f"the |{f} filter in {code!r}" for f in _FILTER.findall(code) if f in _LIST_FILTERS
        ]
    for tag in tags:
        if tag.startswith("set ") and not _ALIAS.fullmatch(tag):
            problems.append(f"{{% {tag} %}} computes a value")
        if "[" in tag:
            problems.append(f"a list in {{% {tag} %}}")
    return problems


def template_files() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.jinja"))


def test_templates_are_found() -> None:
    names = {path.relative_to(TEMPLATES).as_posix() for path in template_files()}
    assert {"api/adapter.py.jinja", "_shared/api_macros.jinja"} <= names


@pytest.mark.parametrize(
    "path", template_files(), ids=lambda p: p.relative_to(TEMPLATES).as_posix()
)
def test_template_only_lays_out_ready_values(path: Path) -> None:
    assert layout_problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        '{% set ns = namespace(parts=["self"]) %}',
        "{% set ns.parts = ns.parts + [p.python_name] %}",
        '{{ ns.parts | join(", ") }}',
        "{% set names = api.endpoints | selectattr('body') | list %}",
        "{% for name in exported | sort(case_sensitive=true) %}{% endfor %}",
        "{% set pages = ['respond(200)', 'respond(404)'] %}",
        '{% set retry = "" if probe.retryable else ", retry=True" %}',
        "{% set text %}{{ a }}, {{ b }}{% endset %}",
        "{{ api.headers | length + 2 }}",
    ],
)
def test_the_scan_catches_values_built_in_jinja(source: str) -> None:
    assert layout_problems(source)


@pytest.mark.parametrize(
    "source",
    [
        "{% set n = class_names(class_prefix) %}",
        "{% set ep = api.path_probe %}",
        "{% set cls = c.class_name(n) %}",
        "{% for name in api.exports(n) %}{{ name | pyrepr }},{% endfor %}",
        '{{ ("Send " ~ ep.summary ~ ".") | docstring(8) }}',
    ],
)
def test_the_scan_lets_layout_through(source: str) -> None:
    assert layout_problems(source) == []

"""The limits on a requirements file: each refusal names the limit that was hit and the fix.

A large file written out plainly is bounded by the file-size limit alone and reaches the
pattern's own limits (2,000 endpoints); only aliases, which can build far more than was
written, have a limit of their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentflow.errors import Diagnostic, SpecError
from agentflow.patterns.api.requirements import MAX_ENDPOINTS, ApiRequirements
from agentflow.spec import load_spec, parse_spec
from agentflow.spec.yaml_source import MAX_ALIAS_VALUES, MAX_DEPTH, MAX_FILE_BYTES, parse_yaml

both_parsers = pytest.mark.usefixtures("parser")

ALIAS_LIMIT = (
    "aliases repeat more than 100,000 values (each use of *name repeats every value under &name)"
)
ALIAS_HINT = "write the repeated values out (the 1 MiB file-size limit applies)"
SPLIT_HINT = "split the API into several requirements files, one package each"


def refusal(path: Path, *, requirements: bool = False) -> Diagnostic:
    """The one diagnostic loading `path` (and validating its API requirements) raises."""
    with pytest.raises(SpecError) as caught:
        document = load_spec(path)
        if requirements:
            document.validate_requirements(ApiRequirements)
    assert caught.value.message == f"{path} is not a valid requirements file"
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.file == str(path)
    return diagnostic


def endpoints_file(tmp_path: Path, count: int) -> Path:
    """An API requirements file with `count` endpoints written out plainly, one a line."""
    lines = [f'    - {{method: GET, path: "/r{i}/{{id}}"}}\n' for i in range(count)]
    file = tmp_path / f"api-{count}.yaml"
    body = "service: Big\ntype: api\nrequirements:\n  base_url: https://api.example.com\n"
    file.write_text(body + "  endpoints:\n" + "".join(lines), encoding="utf-8")
    return file


def test_twenty_thousand_plain_endpoints_hit_the_endpoint_limit(tmp_path: Path) -> None:
    file = endpoints_file(tmp_path, 20_000)
    # Under the size limit, with 100,000+ YAML nodes written (each endpoint is a mapping with
    # two keys and two values): no alias anywhere, so no alias limit may be named.
    assert file.stat().st_size < MAX_FILE_BYTES
    diagnostic = refusal(file, requirements=True)
    assert diagnostic.message == (
        "at most 2,000 endpoints are allowed in one requirements file, got 20,000"
    )
    assert diagnostic.hint == SPLIT_HINT
    assert (diagnostic.field, diagnostic.line, diagnostic.column) == (
        "requirements.endpoints",
        6,
        5,
    )


def test_two_thousand_endpoints_are_accepted_and_one_more_is_not(tmp_path: Path) -> None:
    document = load_spec(endpoints_file(tmp_path, MAX_ENDPOINTS))
    endpoints = document.validate_requirements(ApiRequirements).endpoints
    assert len(endpoints) == 2000 and endpoints[-1].path == "/r1999/{id}"
    diagnostic = refusal(endpoints_file(tmp_path, MAX_ENDPOINTS + 1), requirements=True)
    assert diagnostic.message.endswith("endpoints are allowed in one requirements file, got 2,001")


def test_endpoint_limit_is_checked_before_each_endpoint(tmp_path: Path) -> None:
    file = endpoints_file(tmp_path, MAX_ENDPOINTS + 1)
    file.write_text(file.read_text().replace("GET", "FETCH"))  # 2,001 invalid methods
    assert refusal(file, requirements=True).field == "requirements.endpoints"


def test_billion_laughs_names_the_alias_limit(tmp_path: Path) -> None:
    lines = ["service: x", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    file = tmp_path / "laughs.yaml"
    file.write_text("\n".join(lines) + "\n")
    diagnostic = refusal(file)
    assert (diagnostic.message, diagnostic.hint) == (ALIAS_LIMIT, ALIAS_HINT)
    # e = 10 × d repeats 111,110 values: the limit is crossed in its eighth alias.
    assert (diagnostic.field, diagnostic.line, diagnostic.column) == ("e[7]", 6, 36)


def fan_out(values: int, uses: int) -> str:
    """One anchored list of `values` items, then a list aliasing it `uses` times."""
    return f"a: &a [{', '.join(['x'] * values)}]\nb:\n" + "  - *a\n" * uses


def only(text: str) -> Diagnostic:
    with pytest.raises(SpecError) as caught:
        parse_spec(text, source="spec.yaml")
    (diagnostic,) = caught.value.diagnostics
    return diagnostic


@both_parsers
def test_wide_alias_fan_out_under_the_size_limit_is_refused_at_the_alias() -> None:
    text = fan_out(1000, 1000)  # 8 KB that would build a million values
    assert len(text) < MAX_FILE_BYTES // 100
    diagnostic = only(text)
    assert (diagnostic.message, diagnostic.hint) == (ALIAS_LIMIT, ALIAS_HINT)
    # Each use repeats 1,001 values (the list and its items): the 100th alias crosses.
    assert (diagnostic.field, diagnostic.line, diagnostic.column) == ("b[99]", 102, 5)


@both_parsers
def test_aliases_may_repeat_exactly_the_limit() -> None:
    uses = MAX_ALIAS_VALUES // 1000  # each use repeats 1,000 values: the list and 999 items
    document = parse_yaml(fan_out(999, uses), source="s")
    assert len(document.data["b"]) == uses and document.data["b"][-1] == ["x"] * 999
    assert only(fan_out(999, uses + 1)).field == f"b[{uses}]"


@both_parsers
def test_aliased_mappings_under_keys_are_located_at_the_key() -> None:
    text = "a: &a {" + ", ".join(f"k{i}: x" for i in range(1000)) + "}\nb:\n"
    diagnostic = only(text + "".join(f"  c{i}: *a\n" for i in range(200)))
    assert (diagnostic.message, diagnostic.field) == (ALIAS_LIMIT, "b.c99")
    assert (diagnostic.line, diagnostic.column) == (102, 3)


def test_a_large_document_written_out_plainly_is_not_an_alias_bomb() -> None:
    values = MAX_ALIAS_VALUES + 1
    document = parse_yaml("a: [" + "0, " * values + "1]\n", source="s")
    assert len(document.data["a"]) == values + 1


@both_parsers
def test_deep_nesting_names_the_depth_limit(tmp_path: Path) -> None:
    file = tmp_path / "deep.yaml"
    file.write_text("service: x\nrequirements:\n  a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")
    diagnostic = refusal(file)
    assert diagnostic.message == "mappings and lists are nested more than 50 levels deep"
    assert diagnostic.hint == "flatten the structure; requirements need only a few levels"
    assert (diagnostic.line, diagnostic.column) == (3, MAX_DEPTH + 4)


def test_oversized_file_names_the_size_limit(tmp_path: Path) -> None:
    file = tmp_path / "big.yaml"
    file.write_bytes(b"service: x\ndescription: " + b"x" * MAX_FILE_BYTES + b"\n")
    diagnostic = refusal(file)
    assert diagnostic.message == "file is larger than the 1 MiB limit"
    assert diagnostic.hint == "split a large API into several requirements files, one package each"
    assert diagnostic.line is None

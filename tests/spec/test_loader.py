"""Loading requirements files: accepted forms, and located, human diagnostics."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from agentflow.errors import Diagnostic, SpecError
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.spec import SpecDocument, load_spec, parse_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def rejected(
    text: str, *, requirements: bool = False, model: type[BaseModel] = ApiRequirements
) -> tuple[Diagnostic, ...]:
    """Diagnostics for `text`; with `requirements`, from validating them with `model`."""
    with pytest.raises(SpecError) as caught:
        document = parse_spec(text, source="spec.yaml")
        if requirements:
            document.validate_requirements(model)
    error = caught.value
    assert error.message == "spec.yaml is not a valid requirements file"
    for diagnostic in error.diagnostics:
        assert diagnostic.file == "spec.yaml"
        for leak in (
            "Traceback",
            "ValidationError",
            "pydantic",
            "<class",
            "Error(",
            "Input should",
        ):
            assert leak not in str(diagnostic)
    return error.diagnostics


def only(text: str, *, requirements: bool = False) -> Diagnostic:
    (diagnostic,) = rejected(text, requirements=requirements)
    return diagnostic


def api(body: str) -> str:
    """A requirements file with the given (already indented) `requirements:` body."""
    return "service: Example\nrequirements:\n" + body


ENDPOINTS = "  endpoints:\n    - {method: GET, path: /items}\n"


def test_github_example_loads_in_the_flat_form() -> None:
    document = load_spec(EXAMPLES / "github.yaml")
    requirements = document.validate_requirements(ApiRequirements)
    assert document.spec.service == "GitHub" and document.spec.type == "api"
    assert requirements.auth.type == "bearer"
    assert requirements.rate_limit is not None
    assert (requirements.rate_limit.requests, requirements.rate_limit.per) == (5000, "hour")
    assert [e.method for e in requirements.endpoints] == ["GET", "GET", "POST", "GET"]
    listing = requirements.endpoints[1]
    assert listing.pagination is not None and listing.pagination.style == "link"
    assert [q.name for q in listing.query] == ["state", "labels", "per_page"]
    assert requirements.resolved(document.spec.slug).auth.env_var == "GITHUB_TOKEN"


def test_stripe_example_loads_in_the_explicit_form() -> None:
    document = load_spec(EXAMPLES / "stripe.yaml")
    requirements = document.validate_requirements(ApiRequirements)
    assert document.spec.type is None
    assert requirements.auth.env_var == "STRIPE_API_KEY"
    assert requirements.retry.max_attempts == 4 and requirements.timeout == 20
    assert [e.name for e in requirements.endpoints][:2] == ["create_customer", "get_customer"]
    charges = requirements.endpoints[2]
    assert charges.pagination is not None
    assert (charges.pagination.style, charges.pagination.cursor_param) == (
        "has_more",
        "starting_after",
    )
    assert requirements.endpoints[0].encoding == "form"
    assert requirements.idempotency_key_header == "Idempotency-Key"
    assert [(q.name, q.type) for q in charges.query] == [("limit", "int"), ("customer", "str")]


def test_seed_flat_form() -> None:
    text = api(
        "  base_url: https://api.example.com/\n"
        "  auth_type: bearer\n"
        "  rate_limit: 5000\n"
        "  endpoints:\n"
        "    - {method: get, path: /items}\n"
        "    - {method: POST, path: /items}\n"
    )
    requirements = parse_spec(text, source="s").validate_requirements(ApiRequirements)
    assert requirements.base_url == "https://api.example.com"
    assert requirements.auth.type == "bearer"
    assert requirements.rate_limit is not None
    assert requirements.rate_limit.per_second == 5000
    assert [(e.method, e.path) for e in requirements.endpoints] == [
        ("GET", "/items"),
        ("POST", "/items"),
    ]


def test_document_records_the_path_and_the_digest_of_the_raw_bytes(tmp_path: Path) -> None:
    raw = "service: Exämple  # comment\n".encode()
    file = tmp_path / "spec.yaml"
    file.write_bytes(raw)
    loaded = load_spec(str(file))
    assert isinstance(loaded, SpecDocument)
    assert loaded.path == file and loaded.document.source == str(file)
    assert loaded.input_sha256 == hashlib.sha256(raw).hexdigest()
    parsed = parse_spec(raw.decode(), source="inline")
    assert parsed.path is None and parsed.input_sha256 == loaded.input_sha256


def test_type_is_left_for_the_pattern_registry() -> None:
    assert parse_spec("service: X\ntype: no-such-pattern\n", source="s").spec.type == (
        "no-such-pattern"
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "absent.yaml")
    assert caught.value.message == f"cannot read requirements file {tmp_path / 'absent.yaml'}"
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.message == "no such file"
    assert diagnostic.hint is not None and "check the path" in diagnostic.hint


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path)
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.message, diagnostic.file) == ("is a directory", str(tmp_path))


def test_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError) as caught:
        load_spec(fifo)
    assert caught.value.diagnostics[0].message == "is not a regular file"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "secret.yaml"
    file.write_text("service: x\n")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(SpecError) as caught:
        load_spec(file)
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.message, diagnostic.hint) == ("permission denied", "make the file readable")


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "big.yaml"
    file.write_bytes(b"service: x\ndescription: " + b"x" * (2 * 1024 * 1024) + b"\n")
    with pytest.raises(SpecError) as caught:
        load_spec(file)
    assert caught.value.diagnostics[0].message == "file is larger than the 1 MiB limit"


def test_yaml_problems_surface_through_the_loader() -> None:
    diagnostic = only("service: x\nservice: y\n")
    assert (diagnostic.message, diagnostic.line) == (
        "duplicate key 'service' (first defined at line 1)",
        2,
    )


def test_top_level_typo_suggests_the_key() -> None:
    diagnostic = only("# GitHub\nservce: GitHub\n")
    assert diagnostic.message == "unknown key 'servce'"
    assert diagnostic.hint == "did you mean 'service'?"
    assert (diagnostic.field, diagnostic.line, diagnostic.column) == ("servce", 2, 1)


def test_missing_service() -> None:
    diagnostic = only("description: no name\n")
    assert diagnostic.message == "missing required key 'service'"
    assert (diagnostic.field, diagnostic.line) == ("service", 1)


def test_unknown_key_without_a_close_match_lists_the_valid_keys() -> None:
    diagnostic = only("service: x\nzzz: 1\n")
    assert diagnostic.hint == "valid keys: description, requirements, service, type, version"


def test_nested_typo_suggests_the_key() -> None:
    text = api("  base_url: https://x.example\n  endpoints:\n    - methd: GET\n      path: /a\n")
    found = rejected(text, requirements=True)
    typo = next(d for d in found if d.message == "unknown key 'methd'")
    assert typo.hint == "did you mean 'method'?"
    assert (typo.field, typo.line, typo.column) == ("requirements.endpoints[0].methd", 5, 7)
    assert [d.message for d in found] == ["unknown key 'methd'"]  # `method` missing: an echo


def test_typo_inside_a_nested_model() -> None:
    diagnostic = only(
        api("  base_url: https://x.example\n  retry: {max_atempts: 3}\n" + ENDPOINTS),
        requirements=True,
    )
    assert diagnostic.hint == "did you mean 'max_attempts'?"
    assert diagnostic.field == "requirements.retry.max_atempts"


def test_typo_of_a_shorthand_key() -> None:
    diagnostic = only(
        api("  base_url: https://x.example\n  auth_typ: bearer\n" + ENDPOINTS), requirements=True
    )
    assert diagnostic.hint == "did you mean 'auth_type'?"


def test_unknown_auth_type_in_the_flat_form_points_at_auth_type() -> None:
    diagnostic = only(
        api("  base_url: https://x.example\n  auth_type: oauth\n" + ENDPOINTS), requirements=True
    )
    assert diagnostic.field == "requirements.auth_type"
    assert (diagnostic.line, diagnostic.column) == (4, 14)
    assert diagnostic.message == (
        "expected one of 'none', 'bearer', 'api_key' or 'basic', got 'oauth'"
    )


def test_unknown_auth_type_in_the_explicit_form_suggests_the_closest() -> None:
    diagnostic = only(
        api("  base_url: https://x.example\n  auth:\n    type: berer\n" + ENDPOINTS),
        requirements=True,
    )
    assert (diagnostic.field, diagnostic.line) == ("requirements.auth.type", 5)
    assert diagnostic.hint == "did you mean 'bearer'?"


def test_invalid_url() -> None:
    diagnostic = only(api("  base_url: ftp://files.example\n" + ENDPOINTS), requirements=True)
    assert diagnostic.message == "'ftp://files.example' is not an absolute http(s) URL"
    assert (diagnostic.field, diagnostic.line, diagnostic.column) == (
        "requirements.base_url",
        3,
        13,
    )


def test_duplicate_endpoint_points_at_the_repeat() -> None:
    text = api(
        "  base_url: https://x.example\n"
        "  endpoints:\n"
        "    - {method: GET, path: '/items/{id}'}\n"
        "    - {method: POST, path: /items}\n"
        "    - {method: GET, path: '/items/{item_id}'}\n"
    )
    diagnostic = only(text, requirements=True)
    assert diagnostic.field == "requirements.endpoints[2]"
    assert diagnostic.line == 7
    assert diagnostic.message == (
        "duplicate endpoint GET /items/{item_id}; endpoints[0] already declares it"
    )


def test_duplicate_endpoint_name() -> None:
    text = api(
        "  base_url: https://x.example\n"
        "  endpoints:\n"
        "    - {name: fetch, method: GET, path: /a}\n"
        "    - {name: fetch, method: GET, path: /b}\n"
    )
    diagnostic = only(text, requirements=True)
    assert (diagnostic.field, diagnostic.line) == ("requirements.endpoints[1]", 6)
    assert "duplicate endpoint name 'fetch'" in diagnostic.message


@pytest.mark.parametrize(
    ("line", "message", "field"),
    [
        ("  timeout: abc\n", "expected a number, got 'abc'", "requirements.timeout"),
        ("  timeout: true\n", "expected a number, got true", "requirements.timeout"),
        ("  timeout: [1]\n", "expected a number, got a list", "requirements.timeout"),
        ("  timeout: 0\n", "must be greater than 0, got 0", "requirements.timeout"),
        ("  timeout: 601\n", "must be at most 600, got 601", "requirements.timeout"),
        (
            "  retry: {max_attempts: 2.5}\n",
            "expected a whole number, got 2.5",
            "requirements.retry.max_attempts",
        ),
        ("  retry: 3\n", "expected a mapping, got 3", "requirements.retry"),
        ("  headers: {X-A: null}\n", "expected text, got null", "requirements.headers.X-A"),
        ("  rate_limit: 0\n", "must be greater than 0, got 0", "requirements.rate_limit"),
    ],
)
def test_wrong_types_are_named(line: str, message: str, field: str) -> None:
    diagnostic = only(api("  base_url: https://x.example\n" + line + ENDPOINTS), requirements=True)
    assert (diagnostic.message, diagnostic.field, diagnostic.line) == (message, field, 4)


def test_number_where_text_is_expected_hints_to_quote() -> None:
    diagnostic = only("service: Example\nversion: 1.0\n")
    assert diagnostic.message == "expected text, got 1.0"
    assert diagnostic.hint == "write it in quotes so YAML keeps it as text"
    assert (diagnostic.field, diagnostic.line, diagnostic.column) == ("version", 2, 10)


def test_requirements_must_be_a_mapping() -> None:
    diagnostic = only("service: x\nrequirements:\n  - base_url\n")
    assert (diagnostic.message, diagnostic.field) == (
        "expected a mapping, got a list",
        "requirements",
    )


@pytest.mark.parametrize("endpoints", ["", "  endpoints: []\n"])
def test_endpoints_may_be_left_out(endpoints: str) -> None:
    """Without endpoints the package gets a generic client instead of typed methods."""
    text = api("  base_url: https://api.stripe.com\n  auth_type: bearer\n  rate_limit: 100\n")
    document = parse_spec(text + endpoints, source="spec.yaml")
    requirements = document.validate_requirements(ApiRequirements)
    assert requirements.endpoints == ()
    assert requirements.auth.type == "bearer"


def test_missing_required_requirement_is_located_at_its_parent() -> None:
    diagnostic = only(api("  auth_type: bearer\n" + ENDPOINTS), requirements=True)
    assert diagnostic.message == "missing required key 'base_url'"
    assert (diagnostic.field, diagnostic.line) == ("requirements.base_url", 3)


def test_value_error_messages_lose_the_library_prefix() -> None:
    diagnostic = only(
        api("  base_url: https://x.example\n  rate_limit: fast\n" + ENDPOINTS), requirements=True
    )
    assert diagnostic.message.startswith("'fast' is not a rate")


def test_every_problem_is_reported_sorted_by_line() -> None:
    text = api(
        "  timeout: -1\n"
        "  base_url: nope\n"
        "  endpoints:\n"
        "    - {method: FETCH, path: /a}\n"
        "    - {method: GET, path: b}\n"
    )
    found = rejected(text, requirements=True)
    assert [d.field for d in found] == [
        "requirements.timeout",
        "requirements.base_url",
        "requirements.endpoints[0].method",
        "requirements.endpoints[1].path",
    ]
    assert [d.line for d in found] == [3, 4, 6, 7]


def test_long_values_are_clipped_in_messages() -> None:
    diagnostic = only(
        api(f"  base_url: https://x.example\n  timeout: {'9x' * 100}\n" + ENDPOINTS),
        requirements=True,
    )
    assert len(diagnostic.message) < 80 and diagnostic.message.endswith("...'")


def test_absent_requirements_name_the_missing_keys_below_requirements() -> None:
    found = rejected("service: Example\n", requirements=True)
    assert [(d.field, d.message) for d in found] == [
        ("requirements.base_url", "missing required key 'base_url'"),
    ]


def test_short_form_errors_stop_at_the_value_written() -> None:
    endpoint = "    - {method: GET, path: /a, pagination: pages}\n"
    text = api("  base_url: https://x.example\n  endpoints:\n" + endpoint)
    diagnostic = only(text, requirements=True)
    assert diagnostic.field == "requirements.endpoints[0].pagination"
    assert diagnostic.hint == "did you mean 'page'?"
    assert (diagnostic.line, diagnostic.column) == (5, endpoint.index("pages") + 1)


def test_model_level_rule_is_located_at_its_mapping() -> None:
    text = api(
        "  base_url: https://x.example\n  auth:\n    type: none\n    env_var: TOKEN\n" + ENDPOINTS
    )
    diagnostic = only(text, requirements=True)
    assert diagnostic.field == "requirements.auth"
    assert diagnostic.line == 5
    assert diagnostic.message.startswith("`env_var` does not apply to auth type 'none'")


class Leaf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_name: str = Field(alias="firstName")


class Other(BaseModel):
    model_config = ConfigDict(extra="forbid")
    colour: str = "red"


class Nested(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[Leaf] = []
    either: Leaf | Other | None = None
    named: dict[str, Leaf] = {}
    pair: tuple[Leaf, Other] | None = None


@pytest.mark.parametrize(
    ("line", "field", "hint"),
    [
        ("  items: [{firstNme: a}]\n", "items[0].firstNme", "did you mean 'firstName'?"),
        ("  named: {x: {firstname: b}}\n", "named.x.firstname", "did you mean 'firstName'?"),
        ("  either: {colr: red}\n", "either.colr", "did you mean 'colour'?"),
        ("  pair: [{firstName: a}, {colur: b}]\n", "pair[1].colur", "did you mean 'colour'?"),
        ("  items: [{zzz: a}]\n", "items[0].zzz", "valid keys: firstName"),
    ],
)
def test_suggestions_walk_lists_mappings_unions_and_aliases(
    line: str, field: str, hint: str
) -> None:
    found = rejected("service: x\nrequirements:\n" + line, requirements=True, model=Nested)
    unknown = [d for d in found if d.message.startswith("unknown key")]
    assert [(d.field, d.hint, d.line) for d in unknown] == [(f"requirements.{field}", hint, 3)]

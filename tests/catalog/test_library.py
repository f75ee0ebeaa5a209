"""The catalog's library API: listing, lookup by name, and what the builder does with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentflow.catalog import ENTRIES_DIR, find_entry, list_entries
from agentflow.errors import (
    InputError,
    PatternSelectionError,
    PatternUnavailableError,
    SpecError,
    UnknownServiceError,
)
from agentflow.orchestration import IntegrationBuilder

HOSTILE_NAMES = [
    "../github",
    "../../agentflow/catalog/entries/github",
    "/etc/passwd",
    "github/../github",
    "entries/github.yaml",
    "github.yaml",
    "..",
    "\\github",
    "git\x00hub",
    "\x1b[31mgithub",
    "g" * 10_000,
    "github\n",  # only surrounding spaces are forgiven; this is trimmed too, see below
]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("GitHub", "github"),
        ("github", "github"),
        ("GITHUB", "github"),
        ("  Stripe ", "stripe"),
        ("Amazon S3", "s3"),
        ("amazon s3", "s3"),
        ("amazon_s3", "s3"),
        ("s3", "s3"),
        ("S3", "s3"),
        ("PostgreSQL", "postgresql"),
    ],
)
def test_lookup_accepts_the_slug_and_the_service_name_in_any_case(name: str, slug: str) -> None:
    assert find_entry(name).slug == slug


def test_an_entry_knows_its_pattern_address_and_text() -> None:
    github, s3 = find_entry("GitHub"), find_entry("s3")
    assert (github.name, github.pattern, github.generates) == ("GitHub", "api", True)
    assert github.address == "https://api.github.com"
    assert github.text == (ENTRIES_DIR / "github.yaml").read_text(encoding="utf-8")
    assert github.document().spec.requirements["base_url"] == "https://api.github.com"
    assert (s3.name, s3.pattern, s3.generates) == ("Amazon S3", "file_storage", False)
    assert s3.to_dict() == {
        "name": "Amazon S3",
        "slug": "s3",
        "pattern": "file_storage",
        "description": "Amazon S3 object storage",
        "generates": False,
        "address": "https://s3.us-east-1.amazonaws.com",
    }


@pytest.mark.parametrize(
    ("name", "nearest"),
    [("gitbub", ("GitHub",)), ("postgres", ("PostgreSQL",)), ("sendgird", ("SendGrid",))],
)
def test_an_unknown_name_is_an_input_error_naming_the_nearest_entries(
    name: str, nearest: tuple[str, ...]
) -> None:
    with pytest.raises(UnknownServiceError) as caught:
        find_entry(name)
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2
    assert caught.value.suggestions == nearest
    message = str(caught.value)
    assert f"{name!r} is not in the service catalog" in message
    assert f"did you mean {nearest[0]}?" in message
    assert "agentflow integrate catalog" in message


def test_a_name_near_nothing_suggests_nothing_but_the_listing() -> None:
    with pytest.raises(UnknownServiceError) as caught:
        find_entry("Kafkaesque Mainframe")
    assert caught.value.suggestions == ()
    assert "did you mean" not in str(caught.value)
    assert "`agentflow integrate catalog` lists every entry" in str(caught.value)


def test_an_empty_name_asks_for_one() -> None:
    with pytest.raises(UnknownServiceError, match="a service name is required"):
        find_entry("   ")


@pytest.mark.parametrize("name", HOSTILE_NAMES[:-1], ids=range(len(HOSTILE_NAMES) - 1))
def test_hostile_names_are_clean_input_errors_that_read_only_entry_files(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[Path] = []
    original = Path.read_bytes

    def recording(self: Path) -> bytes:
        read.append(self.resolve())
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", recording)
    with pytest.raises(UnknownServiceError) as caught:
        find_entry(name)
    message = str(caught.value)
    assert len(message) < 300
    assert message.isprintable()
    assert read and all(path.parent == ENTRIES_DIR for path in read)


def test_surrounding_whitespace_is_forgiven() -> None:
    assert find_entry(HOSTILE_NAMES[-1]).slug == "github"


def make_catalog(tmp_path: Path, *slugs: str) -> Path:
    folder = tmp_path / "entries"
    folder.mkdir()
    for slug in slugs:
        shutil.copy(ENTRIES_DIR / f"{slug}.yaml", folder / f"{slug}.yaml")
    return folder


def test_a_new_file_in_the_folder_is_an_entry_without_code_changes(tmp_path: Path) -> None:
    folder = make_catalog(tmp_path, "github")
    (folder / "acme.yaml").write_text(
        "# Docs: https://acme.example/docs\nservice: Acme Rockets\n"
        "requirements:\n  base_url: https://api.acme.example\n"
        "  endpoints: [{name: list_rockets, method: GET, path: /rockets}]\n",
        encoding="utf-8",
    )
    assert [e.slug for e in list_entries(directory=folder)] == ["acme", "github"]
    acme = find_entry("acme rockets", directory=folder)
    assert (acme.slug, acme.pattern, acme.generates) == ("acme", "api", True)


def test_links_and_other_files_in_the_folder_are_not_entries(tmp_path: Path) -> None:
    folder = make_catalog(tmp_path, "github")
    outside = tmp_path / "outside.yaml"
    shutil.copy(ENTRIES_DIR / "stripe.yaml", outside)
    (folder / "stripe.yaml").symlink_to(outside)
    (folder / "README.md").write_text("how to add an entry\n", encoding="utf-8")
    (folder / "Slack.YAML").write_text("service: Slack\n", encoding="utf-8")
    (folder / ".hidden.yaml").write_text("service: Hidden\n", encoding="utf-8")
    assert [e.slug for e in list_entries(directory=folder)] == ["github"]
    for name in ("stripe", "Stripe", "../outside", "outside", "Hidden", "slack"):
        with pytest.raises(UnknownServiceError):
            find_entry(name, directory=folder)


def test_a_broken_entry_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    folder = make_catalog(tmp_path, "github")
    (folder / "broken.yaml").write_text(
        "service: Broken\ntype: api\nrequirements:\n  base_ur: https://x.example\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as caught:
        list_entries(directory=folder)
    assert "broken.yaml:4:3: error: requirements.base_ur: unknown key" in str(caught.value)


def test_build_integration_without_requirements_builds_the_catalog_entry() -> None:
    package = IntegrationBuilder(validate=False).build_integration("github")
    assert (package.service, package.slug, package.pattern) == ("GitHub", "github", "api")
    assert "def list_pull_requests(" in package.files["github_adapter.py"]
    assert package.metadata["source_spec"]["requirements"]["rate_limit"] == "5000/hour"


def test_build_integration_keeps_a_matching_type_and_the_keyword_overrides() -> None:
    package = IntegrationBuilder(validate=False).build_integration(
        "Stripe", "api", description="Payments", version="2.1.0"
    )
    assert package.metadata["source_spec"]["description"] == "Payments"
    assert package.metadata["source_spec"]["version"] == "2.1.0"


def test_build_integration_refuses_a_type_the_entry_does_not_have() -> None:
    with pytest.raises(PatternSelectionError) as caught:
        IntegrationBuilder(validate=False).build_integration("GitHub", "database")
    assert "'api', not 'database'" in str(caught.value)
    assert "leave out integration_type" in str(caught.value)


def test_build_integration_of_an_unknown_service_names_the_nearest_entries() -> None:
    with pytest.raises(UnknownServiceError) as caught:
        IntegrationBuilder(validate=False).build_integration("Gitlub")
    assert caught.value.suggestions
    assert "pass its requirements" in str(caught.value)


def test_explicit_empty_requirements_are_validated_not_looked_up() -> None:
    with pytest.raises(SpecError) as caught:
        IntegrationBuilder(validate=False).build_integration("GitHub", "api", {})
    fields = {d.field for d in caught.value.diagnostics}
    assert fields == {"requirements.base_url"}


def test_an_entry_whose_pattern_cannot_generate_fails_as_it_does_today() -> None:
    with pytest.raises(PatternUnavailableError, match="cannot generate packages yet"):
        IntegrationBuilder(validate=False).build_integration("Prometheus")

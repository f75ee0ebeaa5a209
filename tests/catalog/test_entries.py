"""The shipped entries: each loads, selects its pattern, and each API entry builds well."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from agentflow.catalog import ENTRIES_DIR, CatalogEntry, list_entries
from agentflow.naming import slugify
from agentflow.orchestration import IntegrationBuilder, SmartOrchestrator
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.patterns.base import score_patterns

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "GitHub": "api",
    "GitLab": "api",
    "Stripe": "api",
    "Slack": "api",
    "Twilio": "api",
    "OpenAI": "api",
    "SendGrid": "api",
    "Shopify": "api",
    "PostgreSQL": "database",
    "MySQL": "database",
    "Redis": "database",
    "RabbitMQ": "message_queue",
    "NATS": "message_queue",
    "Amazon S3": "file_storage",
    "Okta": "auth",
    "Auth0": "auth",
    "Prometheus": "monitoring",
}
ENTRIES = list_entries()
ENTRY_FILES = sorted(ENTRIES_DIR.glob("*.yaml"))
API_ENTRIES = [entry for entry in ENTRIES if entry.pattern == "api"]


def entry_id(entry: CatalogEntry) -> str:
    return entry.slug


def test_every_expected_service_is_there_with_its_pattern() -> None:
    found = {entry.name: entry.pattern for entry in ENTRIES}
    assert {name: found.get(name) for name in EXPECTED} == EXPECTED
    assert [entry.slug for entry in ENTRIES] == [path.stem for path in ENTRY_FILES]


def test_no_two_entries_answer_to_the_same_name() -> None:
    keys = [key for e in ENTRIES for key in {e.slug, e.name.casefold(), slugify(e.name)}]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9_]*", e.slug) for e in ENTRIES)


def test_entries_of_generated_engines_and_brokers_generate_the_others_say_not_yet() -> None:
    # SQLite, PostgreSQL, MySQL, MariaDB and Redis engines, RabbitMQ, Redis Streams, MQTT and
    # NATS brokers; the rest not yet.
    generated = {"postgresql", "mysql", "redis", "rabbitmq", "nats"}
    assert {e.slug for e in ENTRIES if e.generates} == {e.slug for e in API_ENTRIES} | generated


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_the_pattern_is_detected_without_the_explicit_type(entry: CatalogEntry) -> None:
    """`type:` documents the entry; the requirements alone must point at the same pattern."""
    scores = score_patterns(entry.document().spec.requirements)
    assert scores[0].name == entry.pattern
    assert scores[0].score - scores[1].score >= 0.5, scores


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_each_entry_cites_its_documentation_and_a_limit(entry: CatalogEntry) -> None:
    comments = "\n".join(line for line in entry.text.splitlines() if line.startswith("#"))
    assert re.search(r"Docs: https://\S+", comments), entry.slug
    assert re.search(r"(?i)limit", comments), entry.slug
    assert entry.description and entry.address


@pytest.mark.parametrize("entry", API_ENTRIES, ids=entry_id)
def test_api_entries_declare_auth_a_rate_limit_and_named_endpoints(entry: CatalogEntry) -> None:
    requirements = ApiRequirements.model_validate(entry.document().spec.requirements)
    assert requirements.auth.type != "none"
    assert requirements.rate_limit is not None
    assert 2 <= len(requirements.endpoints) <= 5
    for endpoint in requirements.endpoints:
        assert endpoint.name is not None and re.fullmatch(r"[a-z]+(_[a-z]+)+", endpoint.name)
        assert not endpoint.name.startswith("test")  # pytest would collect it in the package


@pytest.mark.parametrize("entry", API_ENTRIES, ids=entry_id)
def test_api_entries_build_with_one_method_per_named_endpoint(entry: CatalogEntry) -> None:
    builder = IntegrationBuilder(SmartOrchestrator(provider="template"), validate=False)
    package = builder.build(entry.document())
    adapter = package.files[f"{package.slug}_adapter.py"]
    for endpoint in entry.document().spec.requirements["endpoints"]:
        name = endpoint["name"]
        assert re.search(rf"\n    def {name}\(", adapter), name
        assert re.search(rf"\n    async def {name}\(", adapter), name
    assert package.metadata["source_spec"]["service"] == entry.name


@pytest.mark.slow
@pytest.mark.parametrize("entry", API_ENTRIES, ids=entry_id)
def test_api_entries_build_packages_that_pass_validation(entry: CatalogEntry) -> None:
    builder = IntegrationBuilder(SmartOrchestrator(provider="template"))
    package = builder.build(entry.document())
    assert package.report is not None
    failed = [check.to_dict() for check in package.report.checks if not check.passed]
    assert package.report.score == 100, failed


@pytest.mark.slow
def test_the_mysql_entry_builds_a_package_that_validates() -> None:
    """Offline (its tests run on SQLite), with the mutants of the database pattern caught."""
    entry = next(e for e in ENTRIES if e.slug == "mysql")
    package = IntegrationBuilder(SmartOrchestrator(provider="template")).build(entry.document())
    assert package.report is not None
    failed = [check.to_dict() for check in package.report.checks if not check.passed]
    assert package.report.score == 100, failed
    assert "class _MysqlBackend:" in package.files["mysql_adapter.py"]


@pytest.mark.slow
def test_the_wheel_ships_every_entry(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ENTRY_FILES:
        assert f"agentflow/catalog/entries/{path.name}" in names

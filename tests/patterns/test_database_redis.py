"""Redis key-value packages of the database pattern: requirements, context, rendering, rules
and mutants, and (slow) a package's own tests run against the real server, nothing skipped."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from database_packages import clear_renders, render, requirements
from live_packages import check_style, run_live, write_package
from pydantic import ValidationError
from services import REDIS, require

from agentflow.cli import main
from agentflow.patterns.database import DatabasePattern
from agentflow.patterns.database.context import build_database_context
from agentflow.patterns.database.mutants import DATABASE_MUTANTS
from agentflow.patterns.database.redis_mutants import REDIS_MUTANTS

CATALOG = Path(__file__).resolve().parents[2] / "agentflow" / "catalog" / "entries"
SECRET = "hunter2Secret9"
SEED = {"connection_string": "redis://localhost:6379/0", "key_prefix": "app:", "default_ttl": 300}
WITH_KEYS = {
    "connection_string": f"redis://:{SECRET}@cache.example.test:6379/0",
    "keys": [
        {"name": "session", "pattern": "session:{user}:{id}", "ttl": 3600, "type": "json"},
        {"name": "visits", "type": "int", "description": "Visits per page."},
        "label",
    ],
}


def test_the_context_holds_ready_values() -> None:
    db = build_database_context(requirements(SEED), slug="cache")["db"]
    assert (db.engine, db.engine_name, db.key_prefix, db.default_ttl) == (
        "redis",
        "Redis",
        "app:",
        300,
    )
    assert (db.url_env, db.password_env, db.dependencies) == (
        "CACHE_URL",
        "CACHE_PASSWORD",
        ("redis>=5",),
    )
    bare = build_database_context(requirements({"engine": "redis"}), slug="cache")["db"]
    assert (bare.default_url, bare.key_prefix, bare.default_ttl) == (
        "redis://localhost:6379/0",
        "cache:",
        None,
    )
    assert (bare.default_ttl_text, bare.default_ttl_literal) == ("none (keys persist)", "None")


def test_key_families_become_views_with_their_methods_parameters() -> None:
    db = build_database_context(requirements(WITH_KEYS), slug="web")["db"]
    assert [k.name for k in db.keys] == ["label", "session", "visits"]
    label, session, visits = db.keys
    assert (label.pattern, label.fields, label.return_type) == ("label:{id}", ("id",), "str | None")
    assert (session.fields, session.ttl, session.return_type) == (("user", "id"), 3600, "Any")
    assert session.params == ", *, user: str | int, id: str | int"
    assert session.test_key == "'session:user-1:id-1'"
    assert visits.python_type == "int" and visits.summary == "Visits per page."
    short = requirements({"engine": "redis", "keys": {"token": "str", "cart": {"ttl": 60}}})
    assert [(k.name, k.type, k.ttl) for k in short.keys] == [
        ("token", "str", None),
        ("cart", "str", 60),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**SEED, "queries": [{"name": "q", "sql": "SELECT 1"}]}, "queries describe SQL"),
        ({**SEED, "tables": ["orders"]}, "tables describe SQL"),
        ({"dsn": "postgresql://db/app", "key_prefix": "x:"}, "key_prefix are Redis settings"),
        ({"keys": ["session"]}, "keys are Redis settings"),
        ({**SEED, "key_prefix": "app *"}, "not a usable key_prefix"),
        ({**SEED, "keys": ["Session"]}, "not a usable key family"),
        ({**SEED, "keys": ["json"]}, "not a usable key family"),
        ({**SEED, "keys": [{"name": "s", "pattern": "s:{id"}]}, "not a usable key pattern"),
        ({**SEED, "keys": [{"name": "s", "pattern": "s:{ttl}"}]}, "not a usable field"),
        ({**SEED, "keys": [{"name": "s", "pattern": "s:{a}:{a}"}]}, "names a field twice"),
        ({**SEED, "keys": [{"name": "s", "pattern": "s'); import os"}]}, "not a usable key"),
        ({**SEED, "keys": [{"name": "s", "type": "pickle"}]}, "type"),
        ({**SEED, "keys": ["s", "s"]}, "same name"),
    ],
)
def test_inputs_that_do_not_fit_redis_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        requirements(data)


def test_the_catalog_entry_is_generated() -> None:
    data = yaml.safe_load((CATALOG / "redis.yaml").read_text(encoding="utf-8"))
    DatabasePattern().ensure_available(requirements(data["requirements"]))


def test_rendering_is_deterministic_from_the_redis_templates() -> None:
    first = render("Cache", SEED)
    clear_renders()
    assert render("Cache", SEED) == first
    adapter = first["cache_adapter.py"]
    assert "import redis\n" in adapter and "KEY_PREFIX = 'app:'" in adapter.replace('"', "'")
    assert "DEFAULT_TTL: int | None = 300" in adapter
    assert '"redis>=5"' in first["pyproject.toml"] and "fakeredis" in first["pyproject.toml"]
    assert yaml.safe_load(first["config.yaml"])["key_prefix"] == "app:"
    assert "execute" not in first["CACHE_INTEGRATION.md"].split("## Behaviour")[0]


def test_key_families_become_methods_on_both_clients_and_tests() -> None:
    files = render("Web", WITH_KEYS)
    adapter, tests = files["web_adapter.py"], files["test_web_adapter.py"]
    for name in ("label", "session", "visits"):
        for verb in ("get", "set", "delete"):
            assert adapter.count(f"def {verb}_{name}(") == 2, (verb, name)
        assert f"def test_key_family_{name}_round_trip(" in tests
    assert "'session:{user}:{id}'" in adapter.replace('"', "'")


def test_an_inline_password_warns_once_and_is_in_no_file(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="agentflow"):
        build_database_context(requirements(WITH_KEYS), slug="web")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "WEB_PASSWORD" in warnings[0]
    assert not [path for path, text in render("Web", WITH_KEYS).items() if SECRET in text]


def test_redis_packages_follow_the_pattern_rules() -> None:
    pattern = DatabasePattern()
    assert pattern.validate(render("Cache", SEED)) == []
    files = dict(render("Cache", SEED))
    files["config.yaml"] += 'url: "redis://app:s3cretPassw0rd99@cache/0"\n'
    assert any(p.startswith("config.yaml:") for p in pattern.validate(files))


def test_every_mutant_applies_to_a_redis_adapter() -> None:
    source = render("Cache", SEED)["cache_adapter.py"]
    for mutant in (*DATABASE_MUTANTS, *REDIS_MUTANTS):
        mutated = mutant.mutate(source, SEED)
        assert mutated is not None and mutated != source, mutant.name


def test_create_writes_a_redis_package(tmp_path: Path) -> None:
    spec = tmp_path / "cache.yaml"
    spec.write_text(
        "service: Cache\ntype: database\nrequirements:\n  connection_string: redis://h:6379/1\n",
        encoding="utf-8",
    )
    args = ["integrate", "create", str(spec), "--output-dir", str(tmp_path), "--no-validate"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cache" / "cache_adapter.py").is_file()


@pytest.mark.slow
def test_the_redis_package_passes_its_tests_against_the_real_server(tmp_path: Path) -> None:
    data = {**WITH_KEYS, "connection_string": "redis://localhost:6379/0"}
    package = write_package(render("Redis", data), tmp_path)
    check_style(package)
    run_live(package, "REDIS", require(REDIS))

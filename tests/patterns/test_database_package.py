"""Generated database packages: the context, deterministic rendering, the pattern's rules
and mutants, the engines refused, and (slow) a PostgreSQL package's own tests, its declared
tables' included, run against the real server with nothing skipped."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from database_packages import clear_renders, render, requirements
from live_packages import check_style, run_live, write_package
from services import POSTGRESQL, require

from agentflow.build import IntegrationBuilder
from agentflow.cli import main
from agentflow.errors import PatternUnavailableError
from agentflow.generation.generate import render_package
from agentflow.patterns.database import DatabasePattern
from agentflow.patterns.database.context import build_database_context
from agentflow.patterns.database.redis_mutants import REDIS_MUTANTS
from agentflow.spec.models import IntegrationSpec

SEED = {"connection_string": "postgresql://localhost/dbname", "pool_size": 10}
SECRET = "hunter2Secret9"
WITH_QUERIES = {
    "dsn": f"postgresql://app:{SECRET}@db.example.test:5432/orders",
    "pool_size": 3,
    "timeout": 5,
    "queries": [
        {"name": "server_version", "sql": "SELECT version() AS v"},
        {"name": "by_status", "sql": "SELECT %(status)s AS status", "description": "Echo."},
    ],
    # Tables of every kind of column, so the slow test runs their typed methods live too.
    "tables": [
        {
            "name": "orders",
            "columns": {
                "id": "bigserial",
                "customer": "varchar(80) not null",
                "total": "numeric(10, 2)",
                "paid": "boolean not null",
                "details": "jsonb",
                "placed_at": "timestamptz",
                "code": "char(3)",
            },
        },
        {
            "name": "Customers",
            "primary_key": "email",
            "columns": {
                "email": "varchar(120)",
                "born": "date",
                "token": "uuid",
                "photo": "bytea",
                "score": "double precision",
                "wakes": "time",
                "seen": "timestamp",
                "extra": "json",
                "address": "inet",
            },
        },
    ],
}
FILES = {
    "POSTGRESQL_INTEGRATION.md",
    "config.yaml",
    "examples.py",
    "postgresql_adapter.py",
    "pyproject.toml",
    "test_postgresql_adapter.py",
}


def test_the_context_holds_ready_values() -> None:
    db = build_database_context(requirements(SEED), slug="postgresql")["db"]
    assert (db.engine, db.engine_name, db.postgres) == ("postgresql", "PostgreSQL", True)
    assert (db.url_env, db.password_env) == ("POSTGRESQL_URL", "POSTGRESQL_PASSWORD")
    assert db.default_url == "postgresql://localhost/dbname"
    assert db.dependencies == ("psycopg[binary]>=3.2", "psycopg-pool>=3.2")
    lite = build_database_context(requirements({}), slug="notes")["db"]
    assert (lite.default_url, lite.dependencies) == ("sqlite:///notes.sqlite3", ())
    named = build_database_context(requirements({**SEED, "password_env": "DB_PASS"}), slug="x")[
        "db"
    ]
    assert named.password_env == "DB_PASS"


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("mongodb://localhost/app", "MongoDB"),
    ],
)
def test_engines_not_generated_yet_are_refused_by_name(url: str, engine: str) -> None:
    with pytest.raises(
        PatternUnavailableError, match=f"cannot generate packages yet for the {engine} engine"
    ):
        build_database_context(requirements({"connection_string": url}), slug="x")


def test_create_refuses_them_with_the_cannot_generate_exit_code(tmp_path: Path) -> None:
    spec = tmp_path / "mongo.yaml"
    spec.write_text(
        "service: MongoDB\ntype: database\nrequirements:\n"
        "  connection_string: mongodb://app@localhost/app\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["integrate", "create", str(spec)])
    assert result.exit_code == 2
    assert "cannot generate packages yet for the MongoDB engine" in result.output


def test_an_inline_password_warns_once_and_is_in_no_file(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="agentflow"):
        build_database_context(requirements(WITH_QUERIES), slug="orders")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "ORDERS_PASSWORD" in warnings[0]
    assert SECRET not in warnings[0]
    files = render("Orders", WITH_QUERIES)
    assert not [path for path, text in files.items() if SECRET in text]


def test_bare_tables_and_migrations_are_said_to_be_unused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="agentflow"):
        data = {"tables": ["orders"], "migrations": "migrations/"}
        db = build_database_context(requirements(data), slug="x")["db"]
    assert db.tables == ()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "migrations: is checked but not used" in messages[0]
    assert "tables orders declare no columns" in messages[1]


def test_rendering_is_deterministic_and_complete() -> None:
    first = render("PostgreSQL", SEED)
    clear_renders()
    assert render("PostgreSQL", SEED) == first
    assert set(first) >= FILES
    assert any(path.startswith("postgresql_utils/") for path in first)


def test_named_queries_become_methods_on_both_clients() -> None:
    adapter = render("Orders", WITH_QUERIES)["orders_adapter.py"]
    assert adapter.count("def by_status(") == 2
    assert adapter.count("def server_version(") == 2
    assert '"SELECT %(status)s AS status"' in adapter


def test_generated_packages_follow_the_pattern_rules() -> None:
    pattern = DatabasePattern()
    assert pattern.validate(render("PostgreSQL", SEED)) == []
    assert pattern.validate(render("Notes", {})) == []
    files = dict(render("Notes", {}))
    files["notes_adapter.py"] += '\n\ndef bad(conn, v):\n    conn.execute(f"SELECT {v}")\n'
    files["config.yaml"] += 'url: "postgresql://app:s3cretPassw0rd99@db/app"\n'
    problems = pattern.validate(files)
    assert any("built by formatting" in p for p in problems)
    assert any(p.startswith("config.yaml:") and "password" in p for p in problems)
    assert not any("s3cretPassw0rd99" in p for p in problems)


def test_every_sql_mutant_changes_the_adapter_and_the_redis_ones_do_not_apply() -> None:
    source = render("Orders", WITH_QUERIES)["orders_adapter.py"]
    for mutant in DatabasePattern().mutants():
        mutated = mutant.mutate(source, WITH_QUERIES)
        if mutant in REDIS_MUTANTS:
            assert mutated is None, mutant.name
        else:
            assert mutated is not None and mutated != source, mutant.name


@pytest.mark.slow
def test_the_postgresql_package_passes_its_tests_against_the_real_server(
    tmp_path: Path,
) -> None:
    package = write_package(render("PostgreSQL", WITH_QUERIES), tmp_path)
    check_style(package)
    run_live(package, "POSTGRESQL", require(POSTGRESQL))


def test_hostile_names_and_descriptions_stay_inert() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    injection = '"""; import os; os.system("touch CANARY") # {{ 7*7 }} `id` <b>|'
    data = {"description": injection, "service": 'Évil "DB" \\ {{ 7*7 }}', "requirements": {}}
    spec = IntegrationSpec.model_validate({**data, "type": "database"})
    files = render_package(spec, DatabasePattern(), requirements({}))
    for path, text in files.items():
        if path.endswith(".py"):
            tree = ast.parse(text)
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
            assert not any(c.attr == "system" for c in calls), path
    yaml.safe_load(files["config.yaml"])
    tomllib.loads(files["pyproject.toml"])


def test_metadata_keeps_the_input_without_its_inline_password() -> None:
    package = IntegrationBuilder(validate=False).build_integration(
        "Orders", "database", {"dsn": f"postgresql://app:{SECRET}@db.example.test/orders"}
    )
    assert not [path for path, text in package.files.items() if SECRET in text]
    source = package.metadata["source_spec"]["requirements"]
    assert source == {"dsn": "postgresql://app@db.example.test/orders"}

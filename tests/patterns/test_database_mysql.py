"""MySQL and MariaDB packages of the database pattern: the context, what the files say and
import, declared tables in MySQL's SQL, the pattern's rules and mutants, and (slow) a
MariaDB package with tables whose own tests run against the real server, nothing skipped."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from database_packages import clear_renders, render, requirements
from live_packages import check_style, run_live, write_package
from services import MARIADB, require

from agentflow.patterns.database import DatabasePattern
from agentflow.patterns.database.context import build_database_context
from agentflow.patterns.database.mutants import DATABASE_MUTANTS

SECRET = "maria-Secret-77"
MARIA = {
    "connection_string": "mariadb://app@127.0.0.1:3306/shop",
    "pool_size": 4,
    "timeout": 10,
    "queries": [
        {"name": "server_version", "sql": "SELECT VERSION() AS version"},
        {
            "name": "tables_in",
            "sql": "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %(schema)s",
        },
    ],
}
# Tables covering every kind of column PyMySQL reads back differently from how it was
# declared (JSON, BOOLEAN, UUID, TIME, a zoned timestamp) and both kinds of key.
ITEMS = {
    "name": "items",
    "primary_key": "sku",
    "columns": {
        "sku": "varchar(20)",
        "price": "numeric(8, 2) not null",
        "tags": "json",
        "active": "boolean not null",
        "ref": "uuid",
        "picture": "blob",
        "added": "timestamptz",
        "made": "datetime",
        "on_day": "date",
        "at_time": "time",
        "ratio": "double",
    },
}
ORDERS = {"name": "orders", "columns": {"id": "bigserial", "note": "text", "paid": "bool"}}
EVENTS = {"name": "events", "primary_key": "id", "columns": {"id": "uuid", "body": "jsonb"}}
MARIA_TABLES = {**MARIA, "tables": [ITEMS, ORDERS, EVENTS]}
MYSQL = {"dsn": f"mysql://app:{SECRET}@db.example.test/app"}


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [("mysql://app@db/app", "mysql", "MySQL"), ("mariadb://app@db/app", "mariadb", "MariaDB")],
)
def test_both_schemes_generate_with_pymysql(url: str, engine: str, name: str) -> None:
    db = build_database_context(requirements({"connection_string": url}), slug="shop")["db"]
    assert (db.engine, db.engine_name, db.mysql, db.postgres) == (engine, name, True, False)
    assert db.networked is True
    assert db.dependencies == ("PyMySQL>=1.1",)
    assert (db.default_url, db.url_env, db.password_env) == (url, "SHOP_URL", "SHOP_PASSWORD")
    explicit = requirements({"engine": name, "connection_string": url})
    assert build_database_context(explicit, slug="shop")["db"].engine == engine


def test_only_the_mysql_package_uses_pymysql() -> None:
    files = render("MariaDB", MARIA)
    adapter, tests = files["mariadb_adapter.py"], files["test_mariadb_adapter.py"]
    assert "import pymysql" in adapter and "class _MysqlBackend:" in adapter
    assert '_SCHEMES = {"sqlite": "sqlite", "mysql": "mysql", "mariadb": "mysql"}' in adapter
    assert "_ThreadedBackend(_MysqlBackend(config))" in adapter
    assert '"PyMySQL>=1.1"' in files["pyproject.toml"]
    assert 'engine: "mariadb"' in files["config.yaml"]
    assert "PyMySQL" in files["MARIADB_INTEGRATION.md"]
    assert "def test_live_a_deadlock_is_a_transient_error(" in tests
    assert "def test_live_named_query_server_version(" in tests
    assert "def test_live_named_query_tables_in(" not in tests  # it needs a parameter
    for other in (render("Notes", {}), render("PostgreSQL", {"dsn": "postgresql://db/x"})):
        assert not [path for path, text in other.items() if "pymysql" in text.lower()]


def test_rendering_is_deterministic() -> None:
    first = [render("MariaDB", MARIA), render("MariaDB", MARIA_TABLES)]
    clear_renders()
    assert [render("MariaDB", MARIA), render("MariaDB", MARIA_TABLES)] == first


def test_an_inline_password_warns_once_and_is_in_no_file(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="agentflow"):
        build_database_context(requirements(MYSQL), slug="app")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "APP_PASSWORD" in warnings[0]
    files = render("App", MYSQL)
    assert not [path for path, text in files.items() if SECRET in text]
    assert 'DEFAULT_URL = "mysql://app@db.example.test/app"' in files["app_adapter.py"]


def test_mysql_packages_follow_the_rules_and_every_sql_mutant_applies() -> None:
    pattern = DatabasePattern()
    files = render("MariaDB", MARIA)
    assert pattern.validate(files) == []
    assert pattern.validate(render("App", MYSQL)) == []
    source = files["mariadb_adapter.py"]
    for mutant in DATABASE_MUTANTS:
        mutated = mutant.mutate(source, MARIA)
        assert mutated is not None and mutated != source, mutant.name


def test_tables_get_mysql_sql_read_back_and_codecs_on_both_schemes() -> None:
    files = render("MariaDB", MARIA_TABLES)
    adapter, schema = files["mariadb_adapter.py"], files["schema.sql"]
    assert schema.startswith("-- The declared tables in MariaDB's SQL")
    assert "`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY" in schema
    assert "`id` CHAR(36) NOT NULL PRIMARY KEY" in schema and "RETURNING `" not in adapter
    assert '"mysql": _TableSql(' in adapter and '"mariadb": _TableSql(' not in adapter
    assert "FROM `orders` WHERE `id` = LAST_INSERT_ID()" in adapter
    assert "FROM `items` WHERE `sku` = %(sku)s" in adapter
    assert '"time": _time_of_day,' in adapter and '"timestamptz": _utc_naive,' in adapter
    assert "result = self._backend.run(conn, *then, self._limit(timeout))" in adapter
    tests = files["test_mariadb_tables.py"]
    assert "CREATE DATABASE {name}" in tests and "def test_schema_sql_creates" not in tests
    assert 'TABLE_NAMES = {"events", "items", "orders"}' in tests
    mysql = render("App", {**MYSQL, "tables": [ITEMS, ORDERS, EVENTS]})
    assert mysql["schema.sql"].split("\n", 2)[2] == schema.split("\n", 2)[2]
    assert DatabasePattern().validate(mysql) == []


def test_packages_without_mysql_tables_keep_the_one_statement_call_path() -> None:
    for files in (render("MariaDB", MARIA), render("Notes", {"tables": [ORDERS]})):
        adapter = next(text for path, text in files.items() if path.endswith("_adapter.py"))
        assert "_Step" not in adapter and "then" not in adapter.split("def _call(")[1][:300]


def test_the_update_mutant_applies_to_both_table_dialects() -> None:
    mutant = next(m for m in DatabasePattern().mutants() if m.name == "update_ignores_column")
    mutated = mutant.mutate(render("MariaDB", MARIA_TABLES)["mariadb_adapter.py"], MARIA_TABLES)
    assert mutated is not None
    assert mutated.count("CASE WHEN 1 = 0 AND %(s_") == 6  # three tables, SQLite and MySQL


@pytest.mark.slow
def test_the_mariadb_package_passes_its_tests_against_the_real_server(tmp_path: Path) -> None:
    package = write_package(render("MariaDB", MARIA_TABLES), tmp_path)
    check_style(package)
    out = run_live(package, "MARIADB", require(MARIADB), verbose=True)
    for table in ("events", "items", "orders"):
        assert f"test_mariadb_tables.py::test_live_{table}_rows_round_trip PASSED" in out, out

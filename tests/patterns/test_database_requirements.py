"""The database pattern's requirements: the seed's flat form, aliases, engines, and the
inputs it must refuse (bad URLs, SQL where a name belongs, unknown keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from agentflow.patterns import strip_url_password
from agentflow.patterns.database.requirements import DatabaseRequirements

CATALOG = Path(__file__).resolve().parents[2] / "agentflow" / "catalog" / "entries"
SEED = {"connection_string": "postgresql://localhost/dbname", "pool_size": 10}


def valid(data: dict[str, Any]) -> DatabaseRequirements:
    return DatabaseRequirements.model_validate(data)


def test_the_seed_guide_form_works_as_written() -> None:
    req = valid(SEED)
    assert (req.engine, req.pool_size, req.connection_string) == (
        "postgresql",
        10,
        "postgresql://localhost/dbname",
    )
    assert req.inline_password is False


@pytest.mark.parametrize("key", ["dsn", "database_url"])
def test_aliases_of_the_connection_string(key: str) -> None:
    assert valid({key: "postgres://db/app"}).connection_string == "postgres://db/app"


def test_the_engine_comes_from_the_scheme_or_is_explicit() -> None:
    assert valid({}).engine == "sqlite"
    assert valid({"engine": "Postgres"}).engine == "postgresql"
    assert valid({"connection_string": "sqlite:///app.db"}).engine == "sqlite"
    assert valid({"dsn": "mariadb://app@db/app"}).engine == "mariadb"
    assert valid({"connection_string": "redis://localhost:6379/0"}).engine == "redis"


def test_an_inline_password_is_never_kept() -> None:
    req = valid({"connection_string": "postgresql://app:hunter2@db:5432/app"})
    assert req.connection_string == "postgresql://app@db:5432/app"
    assert req.inline_password is True
    assert "hunter2" not in repr(req) and "hunter2" not in str(req.model_dump())
    assert "inline_password" not in req.model_dump()
    assert strip_url_password("postgresql://:only@db/x") == ("postgresql://db/x", True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"connection_string": "not a url"}, "without spaces"),
        ({"connection_string": "http://example.com/db"}, "database scheme"),
        ({"connection_string": "localhost/db"}, "no scheme"),
        ({"connection_string": "postgresql://db/x'; DROP TABLE t"}, "without spaces"),
        ({"connection_string": "postgresql://db/x\nevil"}, "without spaces"),
        ({"connection_string": 42}, "string"),
        ({"dsn": "postgresql://a/b", "database_url": "postgresql://a/c"}, "one connection"),
        ({"engine": "sqlite", "dsn": "postgresql://a/b"}, "does not match"),
        ({"engine": "oracle"}, "engine"),
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": "10"}, "pool_size"),
        ({"timeout": -1}, "timeout"),
        ({"password_env": "lower-case"}, "environment variable"),
        ({"circuit_breaker": False}, "cannot be turned off"),
        ({"retry": {"max_attempts": 0}}, "max_attempts"),
        ({"unknown_key": 1}, "unknown_key"),
        ({"tables": ["users; DROP TABLE x"]}, "not a usable table"),
        ({"tables": [{"name": "t", "primary_key": "id--"}]}, "not a usable table or key"),
        ({"tables": [{"name": "t", "columns": {"a b": "text"}}]}, "not a usable column"),
        ({"tables": [{"name": "t", "columns": {"id": "int); DROP TABLE t"}}]}, "plain SQL"),
        ({"tables": [{"name": "t", "columns": {"x": "text"}}]}, "not a column of"),
        ({"tables": ["t", "t"]}, "same name"),
        ({"migrations": "../elsewhere"}, "inside the project"),
        ({"migrations": "/etc"}, "inside the project"),
        ({"inline_password": True}, "not a requirement"),
    ],
)
def test_hostile_or_wrong_inputs_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        valid(data)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"name": "x; DROP TABLE users", "sql": "SELECT 1"}, "not a usable query name"),
        ({"name": "Users", "sql": "SELECT 1"}, "not a usable query name"),
        ({"name": "execute", "sql": "SELECT 1"}, "not a usable query name"),
        ({"name": "q", "sql": "SELECT 1; DROP TABLE users"}, "one statement"),
        ({"name": "q", "sql": "SELECT * FROM t WHERE a = 'x'"}, "quoted literals"),
        ({"name": "q", "sql": "SELECT 1 -- hidden"}, "comments"),
        ({"name": "q", "sql": "SELECT * FROM t WHERE a = %s"}, "name its parameters"),
        ({"name": "q", "sql": "SELECT 5 % 2"}, "name its parameters"),
        ({"name": "q", "sql": ""}, "at least 1"),
    ],
)
def test_named_queries_must_be_safe(query: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        valid({"queries": [query]})


def test_named_queries_keep_their_parameters_in_order() -> None:
    sql = "SELECT * FROM t WHERE a = %(a)s AND b > %(b)s OR a = %(a)s;"
    query = valid({"queries": [{"name": "pick", "sql": sql}]}).queries[0]
    assert query.params == ("a", "b")
    assert query.sql == sql.rstrip(";")
    with pytest.raises(ValidationError, match="same name"):
        valid({"queries": [{"name": "q", "sql": "SELECT 1"}] * 2})


def test_retry_short_forms() -> None:
    assert valid({"retry": False}).retry.max_attempts == 1
    assert valid({"retry": 5}).retry.max_attempts == 5
    assert valid({"retry": True}).retry.max_attempts == 3
    assert valid({"circuit_breaker": True}).circuit_breaker.failure_threshold == 5


@pytest.mark.parametrize("entry", ["postgresql", "mysql", "redis"])
def test_the_catalog_entries_validate(entry: str) -> None:
    data = yaml.safe_load((CATALOG / f"{entry}.yaml").read_text(encoding="utf-8"))
    assert valid(data["requirements"]).engine == entry


def test_declared_tables_are_checked_in_their_short_and_long_forms() -> None:
    req = valid(
        {
            "tables": [
                "customers",
                {"name": "orders", "columns": {"id": "bigint", "total": "numeric(10, 2)"}},
                {"name": "items", "primary_key": "sku", "columns": [{"name": "sku"}]},
            ],
            "migrations": "migrations/",
        }
    )
    assert [t.name for t in req.tables] == ["customers", "orders", "items"]
    assert [(c.name, c.type) for c in req.tables[1].columns] == [
        ("id", "bigint"),
        ("total", "numeric(10, 2)"),
    ]
    assert req.tables[2].columns[0].type == "text"

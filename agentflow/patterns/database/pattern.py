"""The database pattern: SQLite, PostgreSQL, MySQL, MariaDB and Redis client packages;
MongoDB recognised. Redis, a key-value store, has its own templates (`database/redis/`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ValidationError

from agentflow.patterns import STANDARD_SUBTASKS, IntegrationPattern, Mutant, PatternMatch, Subtask
from agentflow.patterns.database.context import build_database_context, refuse_unsupported
from agentflow.patterns.database.mutants import DATABASE_MUTANTS, SQL_MUTANTS
from agentflow.patterns.database.redis_mutants import REDIS_MUTANTS
from agentflow.patterns.database.requirements import DatabaseRequirements
from agentflow.patterns.database.rules import check_database_package
from agentflow.patterns.signals import (
    KeySignal,
    Scorecard,
    SpecView,
    has_items,
    is_collection,
)

_SCHEMES = frozenset(
    {
        "postgresql",
        "postgres",
        "mysql",
        "mariadb",
        "sqlite",
        "mongodb",
        "mongodb+srv",
        "mssql",
        "oracle",
        "cockroachdb",
        "clickhouse",
        "cassandra",
    }
)
_ENGINES = _SCHEMES | {"dynamodb", "redis", "sqlserver", "couchdb"}
_ENGINE_KEYS = ("driver", "engine", "dialect", "backend", "kind")
_KEY_SIGNALS = (
    KeySignal(("connection_string", "dsn", "database_url"), 0.2, "a database connection string"),
    KeySignal(("database", "db_name", "dbname"), 0.15, "names a database", has_items),
    KeySignal(("pool_size", "max_connections", "pool"), 0.15, "a connection pool"),
    KeySignal(("tables",), 0.3, "declares tables", has_items),
    KeySignal(("collections",), 0.3, "declares document collections", has_items),
    KeySignal(("queries",), 0.2, "declares queries", is_collection),
    KeySignal(("migrations",), 0.25, "schema migrations"),
    KeySignal(("isolation_level",), 0.2, "a transaction isolation level"),
)
_TABLE_SUBTASKS = (
    Subtask("schema", "schema.sql", "schema.sql.jinja", "the declared tables' CREATE TABLEs"),
    Subtask(
        "table_tests",
        "test_{slug}_tables.py",
        "test_tables.py.jinja",
        "typed table method tests, offline and live",
        ("adapter",),
        "complex",
    ),
)
_REDIS_ROLES = {
    "store": (0.5, "with keys or a cache declared"),
    "queue": (0.0, ""),
    "either": (0.45, "a data store"),
}


_REDIS_SUBTASKS = tuple(replace(s, template=f"redis/{s.template}") for s in STANDARD_SUBTASKS)


class DatabasePattern(IntegrationPattern):
    """SQL and NoSQL databases; SQLite, PostgreSQL, MySQL, MariaDB and Redis packages are
    generated.

    MongoDB is recognised, and `create` refuses it with an error naming the engine (see
    `build_database_context`).
    """

    name = "database"
    description = "Databases: SQLite, PostgreSQL, MySQL, MariaDB and Redis clients (sync and async)"
    requirements_model = DatabaseRequirements
    # What adapter.py.jinja imports from `<slug>_utils`; nothing else of the runtime ships.
    runtime_modules = ("circuit_breaker", "errors", "metrics", "retry")

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        """Score by DSN scheme, engine name and keys like tables, pool_size, migrations."""
        view = SpecView(requirements)
        card = Scorecard(self.name)
        card.add_url_scheme(view, _SCHEMES, _REDIS_ROLES)
        card.add_word(view, _ENGINE_KEYS, _ENGINES, "{path} names the {word} database engine")
        card.add_keys(view, _KEY_SIGNALS)
        return card.match()

    def ensure_available(self, requirements: BaseModel | None = None) -> None:
        """Also refuse, by name, an engine that is recognised but not generated yet."""
        super().ensure_available(requirements)
        if isinstance(requirements, DatabaseRequirements):
            refuse_unsupported(requirements)

    def decompose(self, requirements: Mapping[str, Any]) -> list[Subtask]:
        """The standard files: a Redis package's from the `redis/` templates, and with
        tables that declare columns also schema.sql and the table tests."""
        try:
            parsed = DatabaseRequirements.model_validate(dict(requirements))
        except ValidationError:
            return list(STANDARD_SUBTASKS)  # `create` validated them already
        if parsed.engine == "redis":
            return list(_REDIS_SUBTASKS)
        if not any(table.columns for table in parsed.tables):
            return list(STANDARD_SUBTASKS)
        return [*STANDARD_SUBTASKS, *_TABLE_SUBTASKS]

    def build_context(self, requirements: BaseModel, *, slug: str) -> dict[str, Any]:
        assert isinstance(requirements, DatabaseRequirements)
        return build_database_context(requirements, slug=slug)

    def validate(self, generated_code: Mapping[str, str]) -> list[str]:
        return check_database_package(generated_code)

    def mutants(self) -> Sequence[Mutant]:
        """SQL: constraint violations retried, retries off, failed transactions committed,
        a commit lost mid-way retried, with tables an update that skips a column, and for
        PostgreSQL writes run without their BEGIN.
        Redis: command errors retried, retries off, the key prefix or the expiry dropped.
        Each set says "does not apply" to the other kind's adapter."""
        return (*DATABASE_MUTANTS, *SQL_MUTANTS, *REDIS_MUTANTS)

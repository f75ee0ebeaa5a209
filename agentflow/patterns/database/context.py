"""Template context of the database pattern: every value the templates print, ready-made.

Redis packages get a `RedisContext` of their own (`redis_context.py`); SQL engines this one.

The requirements become a `DatabaseContext`: the engine, the default URL (never with a
password), the environment variables the package reads, pool, timeout, retry and breaker
settings, the driver dependencies, one `QueryView` per named query and one `TableView` per
declared table (see `tables.py`), sorted by name so the same requirements always render the
same files. An engine that is recognised but not
generated yet is refused here with `PatternUnavailableError`, naming it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from agentflow.patterns import PatternUnavailableError, package_names, pyrepr
from agentflow.patterns.database.connection import ConnectionSettings, connection_fields
from agentflow.patterns.database.dialects import dialect_engine
from agentflow.patterns.database.redis_context import redis_context
from agentflow.patterns.database.requirements import (
    GENERATED_ENGINES,
    DatabaseRequirements,
    NamedQuery,
)
from agentflow.patterns.database.tables import TableView, schema_sql, table_views

__all__ = ["DatabaseContext", "QueryView", "build_database_context", "refuse_unsupported"]

_LOG = logging.getLogger("agentflow.patterns.database")
_ENGINE_NAMES = {
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "redis": "Redis",
    "mongodb": "MongoDB",
}
_TESTED_ERRORS = (
    "CommitUnknownError",
    "Config",
    "ConnectionError",
    "IntegrityError",
    "QueryError",
    "TimeoutError",
    "TransientError",
)
_DEPENDENCIES = {
    "sqlite": (),
    "postgresql": ("psycopg[binary]>=3.2", "psycopg-pool>=3.2"),
    # PyMySQL: pure Python (no client library to compile), maintained, speaks to MySQL and
    # MariaDB alike; async goes through worker threads as SQLite's does.
    "mysql": ("PyMySQL>=1.1",),
    "mariadb": ("PyMySQL>=1.1",),
}
_SERVER_ENGINES = frozenset({"postgresql", "mysql", "mariadb"})


@dataclass(frozen=True)
class QueryView:
    """A named query: the method it becomes and the literal SQL it runs."""

    name: str
    sql: str
    description: str
    params: tuple[str, ...]

    @property
    def sql_literal(self) -> str:
        """The SQL as a Python string literal."""
        return pyrepr(self.sql)

    @property
    def signature(self) -> str:
        """The method's parameters after `self`: `, *, schema: Any, timeout: …`."""
        names = "".join(f"{p}: Any, " for p in self.params)
        return f", *, {names}timeout: float | None = None"

    @property
    def params_mapping(self) -> str:
        """The parameters as a dict display: `{"schema": schema}`."""
        return "{" + ", ".join(f"{pyrepr(p)}: {p}" for p in self.params) + "}"

    @property
    def params_mapping_test(self) -> str:
        """The mapping the tests expect for `test_kwargs`."""
        pairs = (f"{pyrepr(p)}: {pyrepr('value-' + p)}" for p in self.params)
        return "{" + ", ".join(pairs) + "}"

    @property
    def test_kwargs(self) -> str:
        """Arguments the tests call the method with: `schema="value-schema", `."""
        return "".join(f"{p}={pyrepr('value-' + p)}, " for p in self.params)

    @property
    def summary(self) -> str:
        """One line for docstrings and the guide."""
        return self.description or f"Run the named query {self.name!r}."


@dataclass(frozen=True)
class DatabaseContext(ConnectionSettings):
    """Everything the database templates lay out."""

    engine: str
    queries: tuple[QueryView, ...]
    tables: tuple[TableView, ...] = ()

    @property
    def engine_name(self) -> str:
        """The engine as people write it: `PostgreSQL`."""
        return _ENGINE_NAMES[self.engine]

    @property
    def postgres(self) -> bool:
        """Whether the package talks to PostgreSQL through psycopg."""
        return self.engine == "postgresql"

    @property
    def mysql(self) -> bool:
        """Whether the package talks to MySQL or MariaDB through PyMySQL (one backend)."""
        return self.engine in ("mysql", "mariadb")

    @property
    def reads_back_inserts(self) -> bool:
        """Whether table inserts read the stored row back (MySQL has no `RETURNING`), so
        the clients' call path runs a second statement on the same connection."""
        return self.mysql and bool(self.tables)

    @property
    def networked(self) -> bool:
        """Whether the engine is a server, so the package's tests have live ones."""
        return self.engine in _SERVER_ENGINES

    @property
    def dependencies(self) -> tuple[str, ...]:
        """The package's runtime dependencies, pinned with lower bounds."""
        return _DEPENDENCIES[self.engine]

    def imports(self, prefix: str, *, tests: bool = False) -> tuple[str, ...]:
        """What examples (or, with `tests`, the tests) import from the adapter, in the
        order ruff's isort wants: constants, then the rest, both ignoring case."""
        used = [f"Async{prefix}Client", f"{prefix}Client", f"{prefix}Error"]
        if tests:
            used += [f"{prefix}{s}" for s in _TESTED_ERRORS]
            used += ["CircuitOpenError", "ConfigurationError", "PASSWORD_ENV", "URL_ENV"]
        constants = sorted((n for n in used if n.isupper()), key=str.lower)
        return (*constants, *sorted((n for n in used if not n.isupper()), key=str.lower))

    @property
    def table_exports(self) -> tuple[str, ...]:
        """The row types the adapter exports, in `__all__` order."""
        names = (n for t in self.tables for n in t.class_names)
        return tuple(sorted(names))

    @property
    def sample_table(self) -> TableView:
        """The table the transaction, async and refusal tests use: the first."""
        return self.tables[0]

    @property
    def tables_need_datetime(self) -> bool:
        return self._kinds_used & {"datetime", "date", "time"} != set()

    @property
    def tables_need_decimal(self) -> bool:
        return "decimal" in self._kinds_used

    @property
    def tables_need_uuid(self) -> bool:
        return "uuid" in self._kinds_used

    @property
    def _kinds_used(self) -> set[str]:
        return {c.kind for t in self.tables for c in t.columns}

    @property
    def table_engines(self) -> tuple[str, ...]:
        """Engines whose SQL the table statements are written in: SQLite and this one, as
        the client names it at runtime (`mysql` for MariaDB)."""
        engine = dialect_engine(self.engine)
        return ("sqlite",) if engine == "sqlite" else ("sqlite", engine)

    @property
    def tables_reversed(self) -> tuple[TableView, ...]:
        """The tables in the order they are dropped."""
        return self.tables[::-1]

    @property
    def schema(self) -> str:
        """The text of `schema.sql`: the declared tables in this engine's SQL."""
        header = (
            f"The declared tables in {self.engine_name}'s SQL, as create_schema() makes "
            "them.\nGenerated by agentflow; regenerate rather than edit."
        )
        return schema_sql(self.tables, self.engine, header=header)

    def table_imports(self, prefix: str) -> tuple[str, ...]:
        """What the table tests import from the adapter, sorted as `imports` sorts."""
        used = [f"Async{prefix}Client", f"{prefix}Client"]
        used += [f"{prefix}{s}" for s in ("Config", "IntegrityError", "QueryError")]
        if self.networked:  # the live tests read the server's URL and password
            used += ["PASSWORD_ENV", "URL_ENV"]
        constants = sorted((n for n in used if n.isupper()), key=str.lower)
        return (*constants, *sorted((n for n in used if not n.isupper()), key=str.lower))

    @property
    def table_names_literal(self) -> str:
        """The declared tables' names as a set display, for the live tests."""
        return "{" + ", ".join(pyrepr(t.name) for t in self.tables) + "}"

    @property
    def live_queries(self) -> tuple[QueryView, ...]:
        """Named queries the live tests can run as they are (those without parameters)."""
        return tuple(q for q in self.queries if not q.params)


def build_database_context(requirements: DatabaseRequirements, *, slug: str) -> dict[str, Any]:
    """Template variables for a database package: `db` (a `DatabaseContext`).

    Refuses engines not generated yet, and warns once about an inline password.
    """
    engine = refuse_unsupported(requirements)
    env_prefix = package_names(slug)["env_prefix"]
    password_env = requirements.password_env or f"{env_prefix}_PASSWORD"
    if requirements.inline_password:
        _LOG.warning(
            "the connection string holds a password; it is left out of every generated "
            "file, and the package reads it from %s",
            password_env,
        )
    if engine == "redis":
        names = {"env_prefix": env_prefix, "password_env": password_env}
        return {"db": redis_context(requirements, slug=slug, **names)}
    if requirements.migrations:
        _LOG.warning(
            "migrations: is checked but not used: the package creates the declared tables "
            "with create_schema() (and schema.sql); keep running your migration tool"
        )
    settings = connection_fields(
        requirements,
        default_url=f"sqlite:///{slug}.sqlite3",
        env_prefix=env_prefix,
        password_env=password_env,
    )
    db = DatabaseContext(
        **settings,
        engine=engine,
        queries=tuple(_query_view(q) for q in sorted(requirements.queries, key=_name)),
        tables=table_views(requirements.tables, engine),
    )
    return {"db": db}


def refuse_unsupported(requirements: DatabaseRequirements) -> str:
    """The engine to generate for; `PatternUnavailableError` naming one not generated yet."""
    engine = requirements.engine or "sqlite"
    if engine not in GENERATED_ENGINES:
        raise PatternUnavailableError(
            f"the 'database' pattern cannot generate packages yet for the "
            f"{_ENGINE_NAMES[engine]} engine, which it recognises: every generated client "
            "is proven against a real server, and no such server could be installed to test "
            "one; SQLite, PostgreSQL, MySQL, MariaDB and Redis are generated"
        )
    return engine


def _name(query: NamedQuery) -> str:
    return query.name


def _query_view(query: NamedQuery) -> QueryView:
    return QueryView(query.name, query.sql, query.description, query.params)

"""Template context of the database pattern: every value the templates print, ready-made.

The requirements become a `DatabaseContext`: the engine, the default URL (never with a
password), the environment variables the package reads, pool, timeout, retry and breaker
settings, the driver dependencies and one `QueryView` per named query, sorted by name so the
same requirements always render the same files. An engine that is recognised but not
generated yet is refused here with `PatternUnavailableError`, naming it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from agentflow.patterns import PatternUnavailableError, package_names, pyrepr
from agentflow.patterns.database.requirements import (
    GENERATED_ENGINES,
    BreakerConfig,
    DatabaseRequirements,
    NamedQuery,
    RetryConfig,
)

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
}


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
class DatabaseContext:
    """Everything the database templates lay out."""

    engine: str
    default_url: str
    url_env: str
    password_env: str
    env_prefix: str
    pool_size: int
    timeout: float
    connect_timeout: float
    retry: RetryConfig
    circuit_breaker: BreakerConfig
    queries: tuple[QueryView, ...]

    @property
    def engine_name(self) -> str:
        """The engine as people write it: `PostgreSQL`."""
        return _ENGINE_NAMES[self.engine]

    @property
    def postgres(self) -> bool:
        """Whether the package talks to PostgreSQL through psycopg (else only SQLite)."""
        return self.engine == "postgresql"

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
    if requirements.tables or requirements.migrations:
        _LOG.warning(
            "tables: and migrations: are checked but not generated yet (typed table methods "
            "and schema.sql come in a later version); the generic client reaches every table"
        )
    db = DatabaseContext(
        engine=engine,
        default_url=requirements.connection_string or f"sqlite:///{slug}.sqlite3",
        url_env=f"{env_prefix}_URL",
        password_env=password_env,
        env_prefix=env_prefix,
        pool_size=requirements.pool_size,
        timeout=requirements.timeout,
        connect_timeout=requirements.connect_timeout,
        retry=requirements.retry,
        circuit_breaker=requirements.circuit_breaker,
        queries=tuple(_query_view(q) for q in sorted(requirements.queries, key=_name)),
    )
    return {"db": db}


def refuse_unsupported(requirements: DatabaseRequirements) -> str:
    """The engine to generate for; `PatternUnavailableError` naming one not generated yet."""
    engine = requirements.engine or "sqlite"
    if engine not in GENERATED_ENGINES:
        raise PatternUnavailableError(
            f"the 'database' pattern cannot generate packages yet for the "
            f"{_ENGINE_NAMES[engine]} engine, which it recognises; only SQLite and "
            "PostgreSQL are generated"
        )
    return engine


def _name(query: NamedQuery) -> str:
    return query.name


def _query_view(query: NamedQuery) -> QueryView:
    return QueryView(query.name, query.sql, query.description, query.params)

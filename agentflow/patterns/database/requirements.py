"""Pydantic models of the database pattern's `requirements:`.

The seed guide's flat form works as written (`{connection_string: postgresql://localhost/
dbname, pool_size: 10}`); `dsn` and `database_url` are aliases of `connection_string`. The
engine comes from `engine:` or the URL's scheme. A password written inside the URL is
accepted but never kept: the model holds the URL without it and remembers only that there
was one (`inline_password`), so no generated file, log or error can repeat it.
"""

from __future__ import annotations

import keyword
import re
from typing import Any, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from agentflow.patterns import StrictModel, strip_url_password
from agentflow.patterns.database.keys import KeyFamily, key_families

__all__ = [
    "ENGINES",
    "GENERATED_ENGINES",
    "BreakerConfig",
    "Column",
    "DatabaseRequirements",
    "NamedQuery",
    "RetryConfig",
    "TABLE_METHODS",
    "Table",
    "row_class",
]

Engine = Literal["sqlite", "postgresql", "mysql", "mariadb", "redis", "mongodb"]
ENGINES: dict[str, Engine] = {
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+psycopg": "postgresql",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "redis": "redis",
    "rediss": "redis",
    "mongodb": "mongodb",
    "mongodb+srv": "mongodb",
}
"""Engine names and URL schemes, to the engine they mean."""
GENERATED_ENGINES = frozenset({"sqlite", "postgresql", "mysql", "mariadb", "redis"})
"""Engines `create` generates packages for in this version."""

_ALIASES = ("dsn", "database_url")
_ENV_VAR = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f\"'\\`]")
_SQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_SQL_TYPE = re.compile(r"^[A-Za-z]+( [A-Za-z]+){0,2}(\(\d{1,5}(, ?\d{1,5})?\))?$")
_KEY_PREFIX = re.compile(r"^[A-Za-z0-9_:.-]{0,100}$")
_QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_PYFORMAT = re.compile(r"%\((\w+)\)s|%s|%%|%")
_RESERVED = frozenset(
    {
        "execute",
        "fetch_one",
        "fetch_all",
        "transaction",
        "health_check",
        "close",
        "config",
        "metrics",
        "circuit_state",
        "create_schema",
        "drop_schema",
    }
)
_NULLABILITY = re.compile(r"\s+(not\s+)?null$", re.I)
_CONSTRAINT_WORDS = frozenset({"primary", "key", "references", "default", "unique", "check"})
TABLE_METHODS = ("insert", "get", "update", "delete", "list")
"""Each declared table with columns gets `<verb>_<table>` methods on both clients."""
MAX_QUERIES = 200


class RetryConfig(StrictModel):
    """Attempts on transient errors (connection lost, deadlock, serialization failure)."""

    max_attempts: StrictInt = Field(default=3, ge=1, le=10)
    backoff_base: float = Field(default=0.1, ge=0, le=60)
    backoff_max: float = Field(default=5.0, ge=0, le=300)

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: Any) -> Any:
        """`retry: false` (one attempt), `retry: true` (defaults) or `retry: 5` (attempts)."""
        if isinstance(data, bool):
            return {} if data else {"max_attempts": 1}
        if isinstance(data, int):
            return {"max_attempts": data}
        return data


class BreakerConfig(StrictModel):
    """Refuse calls for `reset_timeout` seconds after `failure_threshold` failures."""

    failure_threshold: StrictInt = Field(default=5, ge=1, le=1000)
    reset_timeout: float = Field(default=30.0, ge=0, le=3600)

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: Any) -> Any:
        """`circuit_breaker: true` (defaults); `false` is refused (it is always on)."""
        if data is True:
            return {}
        if data is False:
            raise ValueError("the circuit breaker cannot be turned off; raise its threshold")
        return data


class NamedQuery(StrictModel):
    """A query the package gets a method for; values only ever travel as parameters."""

    name: str
    sql: str = Field(min_length=1, max_length=10_000)
    description: str = ""

    @field_validator("name")
    @classmethod
    def _identifier(cls, name: str) -> str:
        if not _QUERY_NAME.match(name) or name in _RESERVED:
            raise ValueError(
                f"{name!r} is not a usable query name: lowercase letters, digits and "
                f"underscores, starting with a letter, and none of {sorted(_RESERVED)}"
            )
        return name

    @field_validator("sql")
    @classmethod
    def _parameterized(cls, sql: str) -> str:
        body = sql.strip().rstrip(";")
        if ";" in body:
            raise ValueError("must be one statement (no ';' inside)")
        if "'" in body or "--" in body or "/*" in body:
            raise ValueError(
                "must not contain quoted literals or comments; pass values as %(name)s parameters"
            )
        if any(m[0] == "%" or m[0] == "%s" for m in _PYFORMAT.finditer(body)):
            raise ValueError("name its parameters: %(name)s (a bare %s or % is ambiguous)")
        return body

    @property
    def params(self) -> tuple[str, ...]:
        """The parameter names, in order of first use."""
        found = (m[1] for m in _PYFORMAT.finditer(self.sql) if m[1])
        return tuple(dict.fromkeys(found))


class Column(StrictModel):
    """A declared column: an identifier and a plain SQL type such as `varchar(80)`.

    Columns are nullable unless the type ends `not null` or `nullable: false` says so.
    """

    name: str
    type: str = "text"
    nullable: StrictBool = True

    @model_validator(mode="before")
    @classmethod
    def _nullability_in_the_type(cls, data: Any) -> Any:
        """`total: numeric(10, 2) not null` is `{type: numeric(10, 2), nullable: false}`."""
        if not (isinstance(data, dict) and isinstance(data.get("type"), str)):
            return data
        found = _NULLABILITY.search(data["type"].strip())
        if found is None:
            return data
        nullable = found[1] is None
        if data.get("nullable", nullable) != nullable:
            raise ValueError(f"column {data.get('name')!r}: the type and nullable disagree")
        return {**data, "type": data["type"].strip()[: found.start()], "nullable": nullable}

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if keyword.iskeyword(name):
            raise ValueError(
                f"column {name!r} is a Python keyword, so its row type cannot name it; "
                "rename the column"
            )
        return _identifier(name, "column")

    @field_validator("type")
    @classmethod
    def _type(cls, text: str) -> str:
        if not _SQL_TYPE.match(text):
            raise ValueError(f"{text!r} is not a plain SQL type such as integer or varchar(80)")
        if _CONSTRAINT_WORDS & set(text.lower().split()):
            raise ValueError(
                f"{text!r} holds a constraint; give only the type (the key is primary_key:)"
            )
        return text


class Table(StrictModel):
    """A declared table; `tables: [orders]` is short for `[{name: orders}]`."""

    name: str
    primary_key: str = "id"
    columns: list[Column] = Field(default_factory=list, max_length=500)

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"name": data}
        if isinstance(data, dict) and isinstance(data.get("columns"), dict):
            columns = [{"name": k, "type": v} for k, v in data["columns"].items()]
            return {**data, "columns": columns}
        return data

    @field_validator("name", "primary_key")
    @classmethod
    def _names(cls, name: str) -> str:
        return _identifier(name, "table or key")

    @model_validator(mode="after")
    def _key_is_a_column(self) -> Table:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name!r} declares a column twice")
        if names and self.primary_key not in names:
            raise ValueError(f"primary key {self.primary_key!r} is not a column of {self.name!r}")
        return self


def row_class(table: str) -> str:
    """The row type of a table: `order_items` has `OrderItemsRow`."""
    return "".join(part.capitalize() or "_" for part in table.lower().split("_")) + "Row"


def _identifier(name: str, what: str) -> str:
    if not _SQL_NAME.match(name):
        raise ValueError(
            f"{name!r} is not a usable {what} name: letters, digits and underscores, "
            "not starting with a digit, at most 63 characters"
        )
    return name


class DatabaseRequirements(StrictModel):
    """What a database package is generated from; see PATTERN_DEVELOPMENT.md's reference."""

    connection_string: str | None = None
    engine: Engine | None = None
    pool_size: StrictInt = Field(default=5, ge=1, le=1000)
    timeout: float = Field(default=30.0, gt=0, le=86_400)
    connect_timeout: float = Field(default=10.0, gt=0, le=600)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    circuit_breaker: BreakerConfig = Field(default_factory=BreakerConfig)
    password_env: str | None = None
    queries: list[NamedQuery] = Field(default_factory=list, max_length=MAX_QUERIES)
    # Tables with columns get typed methods and schema.sql; migrations are checked only.
    tables: list[Table] = Field(default_factory=list, max_length=MAX_QUERIES)
    migrations: str | None = Field(default=None, pattern=r"^[\w./-]{1,200}$")
    # Redis only: the prefix of every key, the expiry `set` applies, typed key families.
    key_prefix: str | None = None
    default_ttl: StrictInt | None = Field(default=None, ge=0, le=10 * 365 * 86_400)
    keys: list[KeyFamily] = Field(default_factory=list, max_length=MAX_QUERIES)
    inline_password: StrictBool = Field(default=False, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        """Map the aliases, then read the engine and strip the password from the URL."""
        if not isinstance(data, dict):
            return data
        for key, why in _NOT_REQUIREMENTS.items():
            if key in data:
                raise ValueError(why)
        given = [key for key in ("connection_string", *_ALIASES) if key in data]
        if len(given) > 1:
            raise ValueError(f"give one connection string, not {' and '.join(given)}")
        data = dict(data)
        for alias in _ALIASES:
            if alias in data:
                data["connection_string"] = data.pop(alias)
        engine = data.get("engine")
        if isinstance(engine, str) and engine.lower() in ENGINES:
            data["engine"] = engine = ENGINES[engine.lower()]
        url = data.get("connection_string")
        if isinstance(url, str):
            scheme = _scheme(url)
            if engine is not None and engine != ENGINES[scheme]:
                raise ValueError(f"engine {engine!r} does not match the URL's {scheme}://")
            data["engine"] = ENGINES[scheme]
            data["connection_string"], data["inline_password"] = strip_url_password(url)
        elif url is None and engine is None:
            data["engine"] = "sqlite"
        return data

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_VAR.match(value):
            raise ValueError(f"{value!r} is not an environment variable name (A-Z, 0-9, _)")
        return value

    @field_validator("key_prefix")
    @classmethod
    def _prefix(cls, prefix: str | None) -> str | None:
        if prefix is not None and not _KEY_PREFIX.match(prefix):
            raise ValueError(
                f"{prefix!r} is not a usable key_prefix: at most 100 letters, digits and "
                "_ : . - (no spaces, quotes or the glob characters * ? [ ])"
            )
        return prefix

    @field_validator("keys", mode="before")
    @classmethod
    def _keys_short_form(cls, value: Any) -> Any:
        return key_families(value)

    @model_validator(mode="after")
    def _settings_fit_the_engine(self) -> DatabaseRequirements:
        """SQL settings for SQL engines, key settings for Redis, each refused elsewhere."""
        if self.engine == "redis":
            sql = [k for k in ("queries", "tables", "migrations") if getattr(self, k)]
            if sql:
                raise ValueError(
                    f"{' and '.join(sql)} describe SQL, and a Redis key-value store has none; "
                    "remove them (declare typed key families under keys: instead)"
                )
        else:
            kv = [k for k in ("keys", "key_prefix", "default_ttl") if getattr(self, k)]
            if kv:
                raise ValueError(
                    f"{' and '.join(kv)} are Redis settings; remove them, or connect to Redis "
                    "with a redis:// connection string"
                )
        return self

    @field_validator("queries", "tables", "keys")
    @classmethod
    def _unique(cls, items: list[Any]) -> list[Any]:
        if len({item.name for item in items}) != len(items):
            raise ValueError("two items have the same name")
        return items

    @model_validator(mode="after")
    def _method_names_are_free(self) -> DatabaseRequirements:
        """Table methods must not collide with each other, named queries or client names."""
        taken = {q.name: f"the named query {q.name!r}" for q in self.queries}
        taken.update({name: "a method of every client" for name in _RESERVED})
        classes: dict[str, str] = {}
        for table in self.tables:
            if not table.columns:
                continue
            for verb in TABLE_METHODS:
                method = f"{verb}_{table.name.lower()}"
                if method in taken:
                    raise ValueError(
                        f"table {table.name!r} gets a method {method}() that is already "
                        f"{taken[method]}; rename the table or the query"
                    )
                taken[method] = f"the {method}() method of table {table.name!r}"
            other = classes.setdefault(row_class(table.name), table.name)
            if other != table.name:
                raise ValueError(
                    f"tables {other!r} and {table.name!r} both get the class "
                    f"{row_class(table.name)}; rename one"
                )
        return self

    @field_validator("migrations")
    @classmethod
    def _relative(cls, path: str | None) -> str | None:
        if path is not None and (path.startswith("/") or ".." in path.split("/")):
            raise ValueError("migrations must be a folder inside the project")
        return path


_NOT_REQUIREMENTS = {
    "inline_password": "inline_password is not a requirement; it is set from the URL",
}


def _scheme(url: str) -> str:
    """The URL's scheme, once the URL is known to be one safe line."""
    if _UNSAFE.search(url) or len(url) > 2000:
        raise ValueError("connection_string must be one URL without spaces or quotes")
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in ENGINES:
        shown = f"{scheme}://" if scheme else "no scheme"
        raise ValueError(
            "connection_string must start with a database scheme such as postgresql:// "
            f"or sqlite:///, got {shown}"
        )
    return scheme

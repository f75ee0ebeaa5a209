"""SQL dialects of the declared tables: column kinds, DDL types and CRUD statements per engine.

A column's declared SQL type gives its *kind* (`int`, `decimal`, `json`, ...), which fixes
its Python type and how each engine stores it. SQLite stores what it has no type for as
text (decimals, dates, UUIDs, JSON), so its round-trips stay lossless; PostgreSQL keeps the
declared type; MySQL and MariaDB share one dialect (backtick quoting, `DATETIME(6)`,
`AUTO_INCREMENT`) and one runtime engine, `mysql`. MySQL has no `RETURNING`, so an insert
is followed by a read-back of the stored row on the same connection (`read_back`): by
`LAST_INSERT_ID()` for a generated key, else by the key inserted. MariaDB 10.5+ could use
`INSERT ... RETURNING`, but a package serves `mysql://` and `mariadb://` URLs alike and
older servers too, so both take the one path the live tests prove. Every statement is
literal text with `%(name)s` parameters: identifiers are validated names, quoted here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentflow.patterns.database.requirements import Column, Table

__all__ = [
    "DIALECTS",
    "GENERATED_KEY_TYPES",
    "KINDS",
    "Dialect",
    "Statements",
    "dialect_engine",
    "is_zoned",
    "kind_of",
]

KINDS: dict[str, str] = {
    **dict.fromkeys(
        ("int", "integer", "smallint", "bigint", "tinyint", "mediumint", "int2", "int4"),
        "int",
    ),
    **dict.fromkeys(("int8", "serial", "bigserial", "smallserial", "serial4", "serial8"), "int"),
    **dict.fromkeys(("real", "float", "float4", "float8", "double"), "float"),
    **dict.fromkeys(("numeric", "decimal", "dec"), "decimal"),
    **dict.fromkeys(("text", "varchar", "char", "character", "nchar", "nvarchar"), "str"),
    **dict.fromkeys(("citext", "string", "tinytext", "mediumtext", "longtext", "clob"), "str"),
    **dict.fromkeys(("bool", "boolean"), "bool"),
    **dict.fromkeys(("bytea", "blob", "tinyblob", "mediumblob", "longblob"), "bytes"),
    **dict.fromkeys(("binary", "varbinary"), "bytes"),
    **dict.fromkeys(("timestamp", "timestamptz", "datetime"), "datetime"),
    "date": "date",
    "time": "time",
    "json": "json",
    "jsonb": "jsonb",
    "uuid": "uuid",
}
"""The first word of a SQL type, lowercased, to its kind; other types are kind `any`."""

GENERATED_KEY_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial4", "serial8"})
"""Key types whose values the database assigns: `insert_<table>` leaves the key out."""

_WORD = re.compile(r"[a-z0-9]+")
_SQLITE_TYPES = {
    "int": "INTEGER",
    "float": "REAL",
    "bool": "INTEGER",
    "bytes": "BLOB",
    **dict.fromkeys(("decimal", "str", "datetime", "date", "time", "json", "jsonb"), "TEXT"),
    "uuid": "TEXT",
}
_POSTGRES_SPELLINGS = {
    "datetime": "timestamp",
    "tinyint": "smallint",
    "mediumint": "integer",
    "double": "double precision",
    **dict.fromkeys(("blob", "tinyblob", "mediumblob", "longblob", "binary"), "bytea"),
    "varbinary": "bytea",
    **dict.fromkeys(("tinytext", "mediumtext", "longtext", "clob", "string"), "text"),
    "nvarchar": "varchar",
}
_MYSQL_SPELLINGS = {
    **dict.fromkeys(("timestamp", "timestamptz", "datetime"), "DATETIME(6)"),
    **dict.fromkeys(("text", "citext", "string", "clob"), "TEXT"),
    "bytea": "LONGBLOB",
    "uuid": "CHAR(36)",
    **dict.fromkeys(("json", "jsonb"), "JSON"),
    **dict.fromkeys(("bool", "boolean"), "BOOLEAN"),
    **dict.fromkeys(("int2",), "SMALLINT"),
    **dict.fromkeys(("int4",), "INT"),
    **dict.fromkeys(("int8", "serial", "bigserial", "serial8"), "BIGINT"),
    **dict.fromkeys(("smallserial",), "SMALLINT"),
    "serial4": "INT",
    "float4": "FLOAT",
    "float8": "DOUBLE",
    "time": "TIME(6)",
}
# MySQL cannot index TEXT or BLOB whole: keys of those types get a bounded spelling.
_MYSQL_KEY_SPELLINGS = {"TEXT": "VARCHAR(255)", "LONGBLOB": "VARBINARY(255)"}


def kind_of(sql_type: str) -> str:
    """The kind of a declared SQL type: `numeric(10, 2)` is `decimal`, `inet` is `any`."""
    found = _WORD.match(sql_type.lower())
    return KINDS.get(found[0], "any") if found else "any"


def is_zoned(sql_type: str) -> bool:
    """Whether a datetime type keeps the time zone: `timestamptz` (the requirements refuse
    the four-word `timestamp with time zone`)."""
    return sql_type.lower().startswith("timestamptz")


def dialect_engine(engine: str) -> str:
    """The runtime engine whose SQL a package's engine speaks: MariaDB's is `mysql`."""
    return "mysql" if engine == "mariadb" else engine


def _base(sql_type: str) -> str:
    found = _WORD.match(sql_type.lower())
    return found[0] if found else ""


@dataclass(frozen=True)
class Statements:
    """One table's statements in one dialect; `update` is empty for a key-only table, and
    `read_back` (the row an insert stored, on the same connection) is empty where the
    insert has `RETURNING`."""

    insert: str
    read_back: str
    get: str
    list: str
    update: str
    delete: str
    create: str
    drop: str


@dataclass(frozen=True)
class Dialect:
    """How one engine quotes, spells types and returns inserted rows."""

    engine: str
    quote_char: str
    returning: bool

    def quote(self, name: str) -> str:
        """A validated identifier, quoted (never holds the quote character)."""
        return f"{self.quote_char}{name}{self.quote_char}"

    def column_type(self, column: Column, *, key: bool, generated: bool) -> str:
        """The column's DDL type and constraints in this dialect."""
        base = _base(column.type)
        if self.engine == "sqlite":
            if generated:
                return "INTEGER PRIMARY KEY"
            spelled = _SQLITE_TYPES.get(kind_of(column.type), column.type)
        elif self.engine == "postgresql":
            spelled = _POSTGRES_SPELLINGS.get(base, column.type)
            if base == "double" and "precision" in column.type.lower():
                spelled = column.type
        else:
            spelled = _MYSQL_SPELLINGS.get(base, column.type)
            if key:
                spelled = _MYSQL_KEY_SPELLINGS.get(spelled, spelled)
            if generated:
                return f"{spelled} NOT NULL AUTO_INCREMENT PRIMARY KEY"
        if key:
            return f"{spelled} NOT NULL PRIMARY KEY"
        return spelled if column.nullable else f"{spelled} NOT NULL"

    def _ddl(self, column: Column, key: str, generated: bool) -> str:
        is_key = column.name == key
        return self.column_type(column, key=is_key, generated=generated and is_key)

    def statements(self, table: Table, *, generated: bool) -> Statements:
        """Every statement of `table`, as literal text with `%(name)s` parameters."""
        q = self.quote
        name, key = q(table.name), q(table.primary_key)
        columns = ", ".join(q(c.name) for c in table.columns)
        key_name = table.primary_key
        inserted = [c.name for c in table.columns if not (generated and c.name == key_name)]
        returning = f" RETURNING {columns}" if self.returning else ""
        if inserted:
            values = ", ".join(f"%({c})s" for c in inserted)
            insert = f"INSERT INTO {name} ({', '.join(q(c) for c in inserted)}) VALUES ({values})"
        elif self.quote_char == "`":
            insert = f"INSERT INTO {name} () VALUES ()"
        else:
            insert = f"INSERT INTO {name} DEFAULT VALUES"
        changed = [c.name for c in table.columns if c.name != table.primary_key]
        sets = ", ".join(
            f"{q(c)} = CASE WHEN %(s_{c})s THEN %(v_{c})s ELSE {q(c)} END" for c in changed
        )
        lines = ",\n".join(
            f"    {q(c.name)} {self._ddl(c, table.primary_key, generated)}" for c in table.columns
        )
        select = f"SELECT {columns} FROM {name} WHERE {key} = "
        stored = "LAST_INSERT_ID()" if generated else f"%({key_name})s"
        return Statements(
            insert=insert + returning,
            read_back="" if self.returning else select + stored,
            get=select + "%(k)s",
            list=f"SELECT {columns} FROM {name} ORDER BY {key} LIMIT %(limit)s OFFSET %(offset)s",
            update=f"UPDATE {name} SET {sets} WHERE {key} = %(k)s" if changed else "",
            delete=f"DELETE FROM {name} WHERE {key} = %(k)s",
            create=f"CREATE TABLE IF NOT EXISTS {name} (\n{lines}\n)",
            drop=f"DROP TABLE IF EXISTS {name}",
        )


DIALECTS = {
    "sqlite": Dialect("sqlite", '"', returning=True),
    "postgresql": Dialect("postgresql", '"', returning=True),
    "mysql": Dialect("mysql", "`", returning=False),
}
"""Per runtime engine (see `dialect_engine`); MySQL's serves MariaDB too."""

"""Template context of the declared tables: one `TableView` each, every value ready-made.

A table with columns becomes a row type (`OrdersRow`), typed `insert_/get_/update_/
delete_/list_` methods and `CREATE TABLE` statements; its statements are computed here for
SQLite (the offline tests) and for the package's engine (MariaDB's are MySQL's, keyed
`mysql` as the generated client names that engine at runtime). A table declared without columns
has nothing to type, so it is left out with a warning naming it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from agentflow.patterns import pyrepr
from agentflow.patterns.database.dialects import (
    DIALECTS,
    GENERATED_KEY_TYPES,
    Statements,
    dialect_engine,
    is_zoned,
    kind_of,
)
from agentflow.patterns.database.requirements import Column, Table, row_class
from agentflow.patterns.database.samples import expected_type, missing_key, sample_values

__all__ = ["ColumnView", "TableView", "schema_sql", "table_views"]

_LOG = logging.getLogger("agentflow.patterns.database")
_ANNOTATIONS = {
    "int": "int",
    "float": "float",
    "decimal": "Decimal",
    "str": "str",
    "bool": "bool",
    "bytes": "bytes",
    "datetime": "dt.datetime",
    "date": "dt.date",
    "time": "dt.time",
    "json": "Any",
    "jsonb": "Any",
    "uuid": "UUID",
    "any": "Any",
}


@dataclass(frozen=True)
class ColumnView:
    """A declared column: its kind, Python annotation and nullability."""

    column: Column
    key: bool

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def kind(self) -> str:
        """`int`, `decimal`, `json`, ... (see `dialects.KINDS`); `any` when unknown."""
        return kind_of(self.column.type)

    @property
    def codec(self) -> str:
        """How the adapter converts the column's values: its kind, except `timestamptz` for
        a datetime that keeps its zone (stored as UTC where the engine has no zone)."""
        zoned = self.kind == "datetime" and is_zoned(self.column.type)
        return "timestamptz" if zoned else self.kind

    @property
    def nullable(self) -> bool:
        return self.column.nullable and not self.key

    @property
    def annotation(self) -> str:
        """The row type's annotation: `Decimal | None`."""
        base = _ANNOTATIONS[self.kind]
        return f"{base} | None" if self.nullable and base != "Any" else base


@dataclass(frozen=True)
class TableView:
    """A declared table: names of what it generates, its SQL per engine and test values."""

    table: Table
    engines: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def method(self) -> str:
        """The methods' suffix: `insert_<method>`."""
        return self.table.name.lower()

    @property
    def constant(self) -> str:
        """The module constant holding the table's statements."""
        return f"_{self.method.upper()}_TABLE"

    @property
    def row_class(self) -> str:
        return row_class(self.table.name)

    @property
    def changes_class(self) -> str:
        return self.row_class[: -len("Row")] + "Changes"

    @property
    def new_class(self) -> str:
        """What `insert_` takes: the row type, or one without a generated key."""
        return self.row_class[: -len("Row")] + "New" if self.generated else self.row_class

    @property
    def class_names(self) -> tuple[str, ...]:
        """The typed dicts generated for the table."""
        names = [self.row_class, self.new_class]
        if self.changeable:
            names.append(self.changes_class)
        return tuple(dict.fromkeys(names))

    @property
    def columns(self) -> tuple[ColumnView, ...]:
        return tuple(ColumnView(c, c.name == self.table.primary_key) for c in self.table.columns)

    @property
    def key(self) -> ColumnView:
        return next(c for c in self.columns if c.key)

    @property
    def changeable(self) -> tuple[ColumnView, ...]:
        """The columns `update_` may change: all but the key."""
        return tuple(c for c in self.columns if not c.key)

    @property
    def inserted(self) -> tuple[ColumnView, ...]:
        """The columns `insert_` sends: all but a generated key."""
        return tuple(c for c in self.columns if not (c.key and self.generated))

    @property
    def generated(self) -> bool:
        """Whether the database assigns the key (`serial` and kin)."""
        return self.key.column.type.lower() in GENERATED_KEY_TYPES

    @property
    def statements(self) -> tuple[tuple[str, Statements], ...]:
        """`(engine, statements)` for SQLite and the package's engine."""
        return tuple(
            (e, DIALECTS[e].statements(self.table, generated=self.generated)) for e in self.engines
        )

    def sql(self, engine: str) -> Statements:
        """The statements in `engine`'s SQL."""
        return dict(self.statements)[engine]

    @property
    def kinds_literal(self) -> str:
        """Columns whose values the engines store differently, to their kinds."""
        return pyrepr({c.name: c.codec for c in self.columns if c.kind not in ("int", "str")})

    @property
    def inserted_literal(self) -> str:
        return pyrepr(tuple(c.name for c in self.inserted))

    @property
    def changeable_literal(self) -> str:
        return pyrepr(tuple(c.name for c in self.changeable))

    @property
    def methods_summary(self) -> str:
        """The methods' names for the guide: `insert_orders, get_orders, ...`."""
        verbs = (
            ("insert", "get", "update", "delete", "list")
            if self.changeable
            else ("insert", "get", "delete", "list")
        )
        return ", ".join(f"{verb}_{self.method}" for verb in verbs)

    # Values for the generated tests, as Python source.

    @property
    def upper(self) -> str:
        """The prefix of the tests' sample constants: `ORDERS_A`."""
        return self.method.upper()

    @property
    def violation(self) -> str:
        """A row whose insert breaks a constraint once row B is stored; "" without one.

        Row B again (its key is taken) unless the key is generated; then B with a NOT NULL
        column set to None.
        """
        if not self.generated:
            return f"{self.upper}_B"
        required = [c for c in self.changeable if not c.nullable]
        return f"{{**{self.upper}_B, {required[0].name!r}: None}}" if required else ""

    @property
    def key_change(self) -> str:
        """Changes naming the key, which no update may set."""
        return repr({self.key.name: missing_key(self.key.column)})

    def sample(self, index: int, *, new: bool = False) -> str:
        """Row `index` (0 or 1) as a dict display; `new` leaves out a generated key."""
        shown = self.inserted if new else self.columns
        return repr({c.name: sample_values(c.column)[index] for c in shown})

    @property
    def key_example(self) -> str:
        """A key value for the guide's example."""
        return repr(sample_values(self.key.column)[0])

    @property
    def missing_key(self) -> str:
        return repr(missing_key(self.key.column))

    @property
    def key_literal(self) -> str:
        return pyrepr(self.key.name)

    @property
    def row_types(self) -> str:
        """`{"id": int, ...}`: the types read values must have (NULL samples left out)."""
        typed = [c for c in self.columns if sample_values(c.column)[0] is not None]
        return "{" + ", ".join(f"{c.name!r}: {expected_type(c.column)}" for c in typed) + "}"

    @property
    def changes_all(self) -> str:
        """Every changeable column set to the second row's value."""
        return repr({c.name: sample_values(c.column)[1] for c in self.changeable})

    @property
    def changes_one(self) -> str:
        """One column changed: a nullable one to NULL, else the first back to row 0's."""
        nullable = [c for c in self.changeable if c.nullable]
        if not self.changeable:
            return "{}"
        if nullable:
            return repr({nullable[0].name: None})
        first = self.changeable[0]
        return repr({first.name: sample_values(first.column)[0]})


def table_views(tables: Sequence[Table], engine: str) -> tuple[TableView, ...]:
    """Views of the tables that declare columns, sorted by name; warns about the others."""
    bare = sorted(t.name for t in tables if not t.columns)
    if bare:
        _LOG.warning(
            "tables %s declare no columns, so they get no typed methods and no schema; "
            "declare them as {name, primary_key, columns: {column: type}}",
            ", ".join(bare),
        )
    engines = ("sqlite",) if engine == "sqlite" else ("sqlite", dialect_engine(engine))
    declared = sorted((t for t in tables if t.columns), key=_name)
    return tuple(TableView(t, engines) for t in declared)


def schema_sql(tables: Sequence[TableView], engine: str, *, header: str) -> str:
    """The text of `schema.sql`: `header` comment lines, then one CREATE TABLE per table."""
    creates = [t.sql(dialect_engine(engine)).create for t in tables]
    comment = "".join(f"-- {line}".rstrip() + "\n" for line in header.splitlines())
    return comment + "\n" + "".join(f"{sql};\n\n" for sql in creates).rstrip("\n") + "\n"


def _name(table: Table) -> str:
    return table.name.lower()

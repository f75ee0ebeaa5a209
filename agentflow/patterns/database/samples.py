"""Test values for declared columns: two distinct values per column and a key no row has.

The generated table tests insert two rows, read them back, update and list them on SQLite
and on the real server, so every value must fit the declared type (a `char(3)` gets three
characters, a `numeric(4, 2)` two decimals) and the first key must sort before the second
on every engine.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any
from uuid import UUID

from agentflow.patterns.database.dialects import is_zoned, kind_of
from agentflow.patterns.database.requirements import Column

__all__ = ["expected_type", "missing_key", "sample_values"]

_LENGTH = re.compile(r"\((\d+)(?:, ?(\d+))?\)")
# Zoned samples are two hours east of UTC, so an engine storing them without their zone
# (MySQL's DATETIME) must convert to UTC and back for them to round-trip.
_ZONE = datetime.timezone(datetime.timedelta(hours=2))
_FIXED = {
    "int": (1, 2, 99),
    "float": (1.5, 2.25, 99.5),
    "bool": (False, True, None),
    "bytes": (b"a", b"b", b"z"),
    "date": (datetime.date(2024, 1, 2), datetime.date(2024, 6, 7), datetime.date(2099, 1, 1)),
    "time": (datetime.time(3, 4, 5), datetime.time(8, 9, 10), datetime.time(23, 59, 59)),
    "json": ({"k": [1, "x"]}, {"k": None}, None),
    "jsonb": ({"k": [1, "x"]}, {"k": None}, None),
    "uuid": (UUID(int=1), UUID(int=2), UUID(int=99)),
}
_TYPES = {
    "int": "int",
    "float": "float",
    "decimal": "Decimal",
    "str": "str",
    "bool": "bool",
    "bytes": "bytes",
    "datetime": "datetime.datetime",
    "date": "datetime.date",
    "time": "datetime.time",
    "json": "dict",
    "jsonb": "dict",
    "uuid": "UUID",
    "any": "str",
}


def sample_values(column: Column) -> tuple[Any, Any]:
    """Two values for `column`, the first sorting before the second."""
    return _values(column)[:2]


def missing_key(column: Column) -> Any:
    """A key value no sample row has."""
    return _values(column)[2]


def expected_type(column: Column) -> str:
    """The Python type the tests expect a read value to have, as source text."""
    return _TYPES[kind_of(column.type)]


def _values(column: Column) -> tuple[Any, Any, Any]:
    kind = kind_of(column.type)
    if kind in _FIXED:
        return _FIXED[kind]
    size = _LENGTH.search(column.type)
    if kind == "decimal":
        scale = int(size[2]) if size and size[2] else (0 if size else 2)
        tail = "." + "5".ljust(scale, "0") if scale else ""
        return Decimal(f"1{tail}"), Decimal(f"2{tail}"), Decimal(f"9{tail}")
    if kind == "datetime":
        zone = _ZONE if is_zoned(column.type) else None
        return tuple(  # type: ignore[return-value]
            datetime.datetime(year, month, 2, 3, 4, 5, tzinfo=zone)
            for year, month in ((2024, 1), (2024, 6), (2099, 1))
        )
    if kind == "str":
        fixed = column.type.lower().startswith(("char", "nchar")) and "varying" not in column.type
        width = int(size[1]) if fixed and size else 1
        return "a" * width, "b" * width, "z" * width
    # A type the pattern has no Python type for: NULL where allowed, else text.
    return (None, None, "z") if column.nullable else ("x", "y", "z")

"""Sample JSON values for schemas: what the generated tests' fake service answers.

A sample satisfies its schema: required properties are always present, optional ones
while the nesting is shallow, and arrays hold one item until they are deep (then none),
so a recursive schema still has a finite sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.patterns.schemas.language import Schema, spec_error

__all__ = ["sample"]

_SHALLOW = 3
_DEEPEST = 12
_STRINGS = {"date-time": "2024-01-02T03:04:05Z", "date": "2024-01-02"}
_SCALARS: dict[str | None, Any] = {
    "string": "text",
    "integer": 7,
    "number": 2.5,
    "boolean": True,
    None: "value",
}


def sample(schema: Schema, schemas: Mapping[str, Schema], depth: int = 0) -> Any:
    """A JSON value `schema` accepts; `schemas` resolves its `$ref`s."""
    if depth > _DEEPEST:
        raise spec_error(
            "a schema requires itself without end, so no value can satisfy it",
            "requirements.schemas",
            "make the recursive property optional or nullable",
        )
    if schema.ref_name is not None:
        return sample(schemas[schema.ref_name], schemas, depth + 1)
    if schema.enum is not None:
        return schema.enum[0]
    kind = schema.kind
    if kind == "object":
        return _object(schema, schemas, depth)
    if kind == "array":
        if schema.items is None or depth >= _SHALLOW:
            return []
        return [sample(schema.items, schemas, depth + 1)]
    if kind == "string" and schema.format in _STRINGS:
        return _STRINGS[schema.format]
    return _SCALARS[kind]


def _object(schema: Schema, schemas: Mapping[str, Schema], depth: int) -> dict[str, Any]:
    extra = schema.additional_properties
    if not schema.properties:
        if isinstance(extra, Schema) and depth < _SHALLOW:
            return {"key": sample(extra, schemas, depth + 1)}
        return {}
    return {
        name: sample(child, schemas, depth + 1)
        for name, child in sorted(schema.properties.items())
        if name in schema.required or depth < _SHALLOW
    }

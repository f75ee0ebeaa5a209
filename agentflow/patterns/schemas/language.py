"""The JSON Schema subset requirements describe values in: API responses and bodies, messages.

It is the subset OpenAPI uses: `type`, `properties`, `required`, `items`, `enum`,
`nullable`, `format`, `additionalProperties` and `$ref` to a schema of the requirements'
top-level `schemas:` (`#/components/schemas/Name`, `#/schemas/Name`, or the bare name).
Keys that only document a schema (`title`, `example`, `minimum`, …) are accepted and
ignored; combinators (`oneOf`, `allOf`, …) are refused by name, so a user learns what is
not supported instead of getting a looser type than they wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import (
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from agentflow.patterns import Diagnostic, SpecError, StrictModel

__all__ = [
    "MAX_DEPTH",
    "MAX_SCHEMAS",
    "REF_PREFIXES",
    "Schema",
    "SchemaType",
    "check_schema_name",
    "spec_error",
]

SchemaType = Literal["object", "array", "string", "integer", "number", "boolean"]
MAX_SCHEMAS = 500
"""Named schemas one requirements file may declare."""
MAX_DEPTH = 32
"""How deep the mappings and lists of one schema may nest."""
REF_PREFIXES = ("#/components/schemas/", "#/schemas/")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$")
# Keys that document a schema or constrain values the server checks: accepted, ignored.
_ANNOTATIONS = frozenset(
    {
        "title",
        "example",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "externalDocs",
        "xml",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
    }
)
_COMBINATORS = ("oneOf", "anyOf", "allOf", "not", "discriminator")
_ENUM_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


class Schema(StrictModel):
    """One schema: a value's type, and for objects and arrays what they hold.

    A bare string names a schema of `schemas:` (`response: Repository`). Without `type`,
    `properties` means an object, `items` an array and `enum` the type of its values.
    """

    type: SchemaType | None = None
    properties: dict[str, Schema] = Field(default_factory=dict, max_length=500)
    required: tuple[str, ...] = ()
    items: Schema | None = None
    additional_properties: StrictBool | Schema = Field(default=True, alias="additionalProperties")
    enum: tuple[StrictStr | StrictInt | StrictFloat | StrictBool, ...] | None = Field(
        default=None, min_length=1, max_length=500
    )
    nullable: StrictBool = False
    format: str | None = Field(default=None, max_length=50)
    ref: str | None = Field(default=None, alias="$ref", max_length=200)
    description: str = Field(default="", max_length=2000)

    @model_validator(mode="before")
    @classmethod
    def _accept_short_forms(cls, data: Any) -> Any:
        """A bare name is a `$ref`; documentation keys go; combinators are refused."""
        if isinstance(data, str):
            return {"$ref": data}
        if not isinstance(data, dict):
            return data
        if _depth(data) > MAX_DEPTH:
            raise ValueError(
                f"the schema nests more than {MAX_DEPTH} mappings and lists deep; declare "
                "inner schemas under `schemas:` and refer to them with $ref"
            )
        for key in _COMBINATORS:
            if key in data:
                raise ValueError(
                    f"`{key}` is not supported; declare the properties the value always has "
                    "(or leave the schema out to get an untyped value)"
                )
        return {key: value for key, value in data.items() if key not in _ANNOTATIONS}

    @model_validator(mode="after")
    def _consistent(self) -> Schema:
        if self.ref is not None:
            _check_ref(self)
            return self
        kind = self.kind
        if self.properties and kind != "object":
            raise ValueError(f"`properties` belong to an object schema, not {kind!r}")
        if self.items is not None and kind != "array":
            raise ValueError(f"`items` belong to an array schema, not {kind!r}")
        missing = [name for name in self.required if name not in self.properties]
        if missing:
            raise ValueError(f"`required` names {missing[0]!r}, which is not in `properties`")
        if self.enum is not None:
            _check_enum(self.enum, kind)
        return self

    @property
    def kind(self) -> str | None:
        """The declared type, or the one `properties`, `items` or `enum` imply."""
        if self.type is not None:
            return self.type
        if self.properties:
            return "object"
        if self.items is not None:
            return "array"
        if self.enum is not None:
            return _enum_kind(self.enum)
        return None

    @property
    def ref_name(self) -> str | None:
        """The name of the schema `$ref` points at, without its prefix."""
        if self.ref is None:
            return None
        for prefix in REF_PREFIXES:
            if self.ref.startswith(prefix):
                return self.ref[len(prefix) :]
        return self.ref

    def refs(self) -> Iterator[str]:
        """Every schema name this schema refers to, nested ones included."""
        if self.ref_name is not None:
            yield self.ref_name
        for child in self.children():
            yield from child.refs()

    def children(self) -> Iterator[Schema]:
        """The schemas directly inside this one: properties, items, additional properties."""
        yield from self.properties.values()
        if self.items is not None:
            yield self.items
        if isinstance(self.additional_properties, Schema):
            yield self.additional_properties


def check_schema_name(name: str) -> str:
    """`name` if it can name a schema (and so, sanitized, a class); else ValueError."""
    if not _NAME.match(name):
        raise ValueError(
            f"{name!r} is not a schema name; start with a letter, then use letters, digits, "
            "'_', '.' or '-' (at most 100 characters)"
        )
    return name


def spec_error(message: str, field: str, hint: str | None = None) -> SpecError:
    """A `SpecError` located at a requirements field."""
    return SpecError(message, diagnostics=(Diagnostic(message, field=field, hint=hint),))


def _depth(data: Any, limit: int = MAX_DEPTH + 1) -> int:
    """How deep mappings and lists nest in `data`, counted up to `limit`."""
    if limit == 0 or not isinstance(data, dict | list):
        return 0
    children = data.values() if isinstance(data, dict) else data
    return 1 + max((_depth(child, limit - 1) for child in children), default=0)


def _check_ref(schema: Schema) -> None:
    """A `$ref` names a schema and says nothing else (`nullable` and `description` aside)."""
    assert schema.ref is not None
    name = schema.ref_name or ""
    if schema.ref.startswith("#") and schema.ref_name == schema.ref:
        prefixes = " or ".join(f"'{p}Name'" for p in REF_PREFIXES)
        raise ValueError(f"$ref {schema.ref!r} must be {prefixes}, or the bare schema name")
    check_schema_name(name)
    others = schema.model_fields_set - {"ref", "nullable", "description"}
    if others:
        raise ValueError(f"a $ref stands alone; move `{sorted(others)[0]}` into the schema")


def _enum_kind(values: tuple[Any, ...]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, str) for v in values):
        return "string"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "number"
    raise ValueError("`enum` values must all be strings, all numbers or all booleans")


def _check_enum(values: tuple[Any, ...], kind: str | None) -> None:
    expected = _ENUM_TYPES.get(kind or "")
    if expected is None:
        raise ValueError(f"`enum` needs a string, integer, number or boolean type, not {kind!r}")
    wrong = [
        v
        for v in values
        if not isinstance(v, expected) or (isinstance(v, bool) != (kind == "boolean"))
    ]
    if wrong:
        raise ValueError(f"`enum` value {wrong[0]!r} is not of type {kind!r}")

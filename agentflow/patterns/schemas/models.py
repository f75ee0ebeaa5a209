"""Python types for the schemas of requirements: pydantic models and annotations.

An object schema with properties becomes a model class (unknown fields kept, as
openai-python's are); every other schema becomes an annotation (`list[Issue]`,
`Literal['open', 'closed']`, `datetime.datetime | None`). Named schemas keep their name as
a class name where it is free; inline objects are named after where they appear
(`GetRepoResponse`, `RepositoryOwner`). Everything is sorted, so the same schemas always
give the same classes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from agentflow.patterns import class_name, identifier, pyrepr, unique_identifiers
from agentflow.patterns.schemas.language import Schema, spec_error

__all__ = ["FieldView", "ModelView", "SchemaTypes", "is_model_schema"]

# Names a field may not take: the types its class's annotations use (a field shadows them
# in the class body) and the attributes of pydantic's BaseModel.
_FIELD_RESERVED = frozenset(
    {"int", "float", "str", "bool", "list", "dict", "datetime", "Any", "Literal"}
    | {name for name in dir(BaseModel) if not name.startswith("_")}
)
_STRING_FORMATS = {"date-time": "datetime.datetime", "date": "datetime.date"}
_SCALARS = {"integer": "int", "number": "float", "boolean": "bool", "string": "str"}


@dataclass(frozen=True)
class FieldView:
    """One field of a model: its Python name, its name on the wire, its annotation."""

    python_name: str
    wire_name: str
    annotation: str
    required: bool
    description: str

    @property
    def type(self) -> str:
        """The field's type: its schema's annotation, `| None` too when it is optional."""
        return self.annotation if self.required else _nullable(self.annotation)

    @property
    def declaration(self) -> str:
        """The field's line in the class body: `full_name: str | None = None`, with an
        alias when the wire name is not the Python name."""
        annotation = self.type
        alias = f"alias={pyrepr(self.wire_name)}"
        if self.python_name == self.wire_name:
            default = "" if self.required else " = None"
        elif self.required:
            default = f" = pydantic.Field({alias})"
        else:
            default = f" = pydantic.Field(default=None, {alias})"
        return f"{self.python_name}: {annotation}{default}"


@dataclass(frozen=True)
class ModelView:
    """A model class: its name, docstring and fields (required ones first)."""

    name: str
    description: str
    fields: tuple[FieldView, ...]
    closed: bool = False
    """Whether the schema says `additionalProperties: false` (a client may refuse extras)."""

    @property
    def field_doc(self) -> str:
        """The fields as the guide lists them: `login: str, name: str | None`."""
        return ", ".join(f"{f.python_name}: {f.type}" for f in self.fields)

    @property
    def doc(self) -> str:
        """The class docstring: the schema's description, else what the class is."""
        return self.description or f"The `{self.name}` object."


def is_model_schema(schema: Schema) -> bool:
    """Whether `schema` becomes a model class: an object with properties."""
    return schema.ref is None and schema.kind == "object" and bool(schema.properties)


class SchemaTypes:
    """Annotations for schemas, and the model classes they need.

    `reserved` says which names a model class must not take (the adapter's own); such a
    name gets the suffix `Model`, and a name taken twice `2`, `3`…
    """

    def __init__(self, schemas: Mapping[str, Schema], reserved: Callable[[str], bool]) -> None:
        self._schemas = schemas
        self._reserved = reserved
        self._used: set[str] = set()
        self._models: dict[str, ModelView | None] = {}
        self._resolving: list[str] = []
        self.uses_datetime = False
        self.uses_literal = False
        self._classes = {
            name: self._claim(class_name(name))
            for name in sorted(schemas)
            if is_model_schema(schemas[name])
        }
        for name in sorted(schemas):  # every one, so a broken schema fails even unused
            self._named(name)

    @property
    def schemas(self) -> Mapping[str, Schema]:
        """The named schemas `$ref`s point at."""
        return self._schemas

    @property
    def models(self) -> tuple[ModelView, ...]:
        """Every model class, sorted by name."""
        return tuple(m for _, m in sorted(self._models.items()) if m is not None)

    def is_model(self, annotation: str) -> bool:
        """Whether `annotation` is the name of one of the model classes."""
        return annotation in self._models

    def annotation(self, schema: Schema, hint: str) -> str:
        """The annotation of `schema`; an inline object becomes a class named `hint`."""
        ref = schema.ref_name
        text = self._named(ref) if ref is not None else self._inline(schema, hint)
        return _nullable(text) if schema.nullable else text

    def resolve(self, schema: Schema) -> Schema:
        """`schema`, or the named schema it refers to (through any chain of `$ref`s)."""
        seen: set[str] = set()
        while schema.ref_name is not None and schema.ref_name not in seen:
            seen.add(schema.ref_name)
            schema = self._schemas[schema.ref_name]
        return schema

    def _named(self, name: str) -> str:
        cls = self._classes.get(name)
        if cls is not None:
            if cls not in self._models:
                self._models[cls] = None  # placeholder: a model may refer to itself
                self._models[cls] = self._model(cls, self._schemas[name])
            return cls
        if name in self._resolving:
            chain = " → ".join([*self._resolving, name])
            raise spec_error(
                f"schema {name!r} refers to itself through {chain} with no object in between",
                f"requirements.schemas.{name}",
                "put the recursion inside an object's property",
            )
        self._resolving.append(name)
        try:
            return self.annotation(self._schemas[name], class_name(name))
        finally:
            self._resolving.pop()

    def _inline(self, schema: Schema, hint: str) -> str:
        kind = schema.kind
        if schema.enum is not None:
            self.uses_literal = True
            return f"Literal[{', '.join(pyrepr(value) for value in schema.enum)}]"
        if kind == "object":
            if schema.properties:
                cls = self._claim(hint)
                self._models[cls] = None
                self._models[cls] = self._model(cls, schema)
                return cls
            extra = schema.additional_properties
            value = self.annotation(extra, f"{hint}Value") if isinstance(extra, Schema) else "Any"
            return f"dict[str, {value}]"
        if kind == "array":
            item = "Any" if schema.items is None else self.annotation(schema.items, f"{hint}Item")
            return f"list[{item}]"
        if kind == "string" and schema.format in _STRING_FORMATS:
            self.uses_datetime = True
            return _STRING_FORMATS[schema.format]
        return _SCALARS.get(kind or "", "Any")

    def _model(self, cls: str, schema: Schema) -> ModelView:
        wire = sorted(schema.properties, key=lambda n: (n not in schema.required, n))
        names = unique_identifiers(map(_field_text, wire), reserved=_FIELD_RESERVED)
        fields = tuple(
            FieldView(
                python_name=python,
                wire_name=name,
                annotation=self.annotation(schema.properties[name], cls + class_name(name)),
                required=name in schema.required,
                description=schema.properties[name].description.strip(),
            )
            for name, python in zip(wire, names, strict=True)
        )
        closed = schema.additional_properties is False
        return ModelView(cls, schema.description.strip(), fields, closed)

    def _claim(self, name: str) -> str:
        base = f"{name}Model" if self._reserved(name) else name
        candidate, counter = base, 2
        while candidate in self._used:
            candidate, counter = f"{base}{counter}", counter + 1
        self._used.add(candidate)
        return candidate


def _field_text(wire_name: str) -> str:
    """What a field's Python name is made from: pydantic ignores names starting with `_`,
    which a leading digit would give (`1st` → `field_1st`)."""
    return f"field {wire_name}" if identifier(wire_name)[0] == "_" else wire_name


def _nullable(annotation: str) -> str:
    if annotation == "Any" or annotation.endswith(" | None"):
        return annotation
    return f"{annotation} | None"

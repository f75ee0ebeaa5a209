"""Message schemas: what a queue's `schema:` makes of the package (the `mq` typing values).

A queue with a schema gets a pydantic model of its messages (`OrdersMessage`, or the class
of the named schema its `$ref` points at), built with the schema language the api pattern
uses (`agentflow.patterns.schemas`). The generated client validates every message against
it on publish and on arrival. The generated tests need a message each schema accepts and
one it refuses, naming the field that makes it invalid; both are computed here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agentflow.patterns import class_name
from agentflow.patterns.schemas import ModelView, Schema, SchemaTypes, is_model_schema, sample

__all__ = ["MessageTyping", "QueueTyping", "build_message_typing", "check_message_schemas"]

# The classes, functions and names the adapter defines or imports: no model may take one.
_ADAPTER_NAMES = frozenset(
    {
        "Any",
        "Awaitable",
        "Callable",
        "CircuitBreaker",
        "ConfigurationError",
        "Delivery",
        "InMemoryBroker",
        "IntegrationError",
        "Iterator",
        "Literal",
        "Mapping",
        "MemorySeenSet",
        "Message",
        "MetricsCollector",
        "Protocol",
        "PublishRejected",
        "QueueMetrics",
        "QueueSettings",
        "SeenSet",
        "ThreadPoolExecutor",
        "Transport",
        "TransportError",
        "TypeVar",
    }
)
# A value of the wrong type for each kind of property (what the invalid test message holds).
_WRONG = {"string": 7, "integer": "text", "number": "text", "boolean": "text"}


@dataclass(frozen=True)
class QueueTyping:
    """One typed queue: its model class, a message it accepts and one it refuses.

    `invalid_field` is the top-level field that makes `invalid` fail, named as it is on
    the wire (the client's error names it).
    """

    queue: str
    model: str
    valid: dict[str, Any]
    invalid: dict[str, Any]
    invalid_field: str


@dataclass(frozen=True)
class MessageTyping:
    """The model classes of a package's message schemas and the queues they type."""

    models: tuple[ModelView, ...] = ()
    queues: tuple[QueueTyping, ...] = ()
    uses_datetime: bool = False
    uses_literal: bool = False

    @property
    def typed(self) -> bool:
        """Whether any queue has a schema (pydantic is then a dependency)."""
        return bool(self.queues)

    def model_of(self, queue: str) -> str | None:
        """The model class of `queue`'s messages, None when it has no schema."""
        return next((q.model for q in self.queues if q.queue == queue), None)


def check_message_schemas(
    queues: Mapping[str, Schema | None], schemas: Mapping[str, Schema]
) -> None:
    """Every `$ref` names a schema of `schemas:`; every queue's schema is an object with
    properties that some message can fail. ValueError, naming the queue, otherwise."""
    declared = ", ".join(sorted(schemas)) or "none"
    places = [(f"schema {name!r}", schema) for name, schema in schemas.items()]
    places += [(f"queue {name!r}", s) for name, s in queues.items() if s is not None]
    for where, schema in places:
        unknown = next((ref for ref in schema.refs() if ref not in schemas), None)
        if unknown is not None:
            raise ValueError(
                f"{where} refers to schema {unknown!r}, which `schemas:` does not declare "
                f"(declared: {declared})"
            )
    for queue, declared_schema in queues.items():
        if declared_schema is not None:
            _check_message_schema(queue, _resolve(declared_schema, schemas), schemas)


def build_message_typing(
    queues: Mapping[str, Schema | None],
    schemas: Mapping[str, Schema],
    reserved: Callable[[str], bool] = lambda name: False,
) -> MessageTyping:
    """The models of the message schemas (the named ones too) and each typed queue's."""
    if not any(queues.values()):
        return MessageTyping()
    types = SchemaTypes(schemas, lambda name: name in _ADAPTER_NAMES or reserved(name))
    typed = tuple(
        _queue_typing(queue, schema, types, schemas)
        for queue, schema in queues.items()
        if schema is not None
    )
    return MessageTyping(types.models, typed, types.uses_datetime, types.uses_literal)


def _queue_typing(
    queue: str, schema: Schema, types: SchemaTypes, schemas: Mapping[str, Schema]
) -> QueueTyping:
    model = types.annotation(schema, f"{class_name(queue)}Message")
    valid = sample(schema, schemas)
    field, wrong = _invalid_field(_resolve(schema, schemas), schemas)
    invalid = {key: value for key, value in valid.items() if key != field}
    if wrong is not _MISSING:
        invalid[field] = wrong
    return QueueTyping(queue, model, valid, dict(sorted(invalid.items())), field)


_MISSING = object()


def _invalid_field(schema: Schema, schemas: Mapping[str, Schema]) -> tuple[str, Any]:
    """A field and a value that make a message invalid: a required field left out
    (`_MISSING`), else a property given a value of the wrong type."""
    if schema.required:
        return sorted(schema.required)[0], _MISSING
    for name, child in sorted(schema.properties.items()):
        wrong = _wrong_value(_resolve(child, schemas))
        if wrong is not _MISSING:
            return name, wrong
    raise AssertionError("checked by check_message_schemas")  # pragma: no cover


def _wrong_value(schema: Schema) -> Any:
    """A JSON value `schema` refuses, or `_MISSING` when it accepts any value."""
    kind = schema.kind
    if schema.enum is not None:
        if kind == "string":
            return "|".join(str(value) for value in schema.enum) + "|other"
        return "text"
    if kind in ("object", "array"):
        return "text"
    return _WRONG.get(kind or "", _MISSING)


def _check_message_schema(queue: str, schema: Schema, schemas: Mapping[str, Schema]) -> None:
    if not is_model_schema(schema):
        raise ValueError(
            f"queue {queue!r}: a message schema must be an object with `properties` (messages "
            f"are JSON objects); declare `type: object` and the fields under `properties:`"
        )
    if schema.required:
        return
    if all(
        _wrong_value(_resolve(child, schemas)) is _MISSING for child in schema.properties.values()
    ):
        raise ValueError(
            f"queue {queue!r}: every JSON object satisfies this schema, so it checks nothing; "
            "list the fields every message has under `required:` or give a property a `type`"
        )


def _resolve(schema: Schema, schemas: Mapping[str, Schema]) -> Schema:
    """`schema`, or the named schema its `$ref` chain ends at."""
    seen: set[str] = set()
    while schema.ref_name is not None and schema.ref_name not in seen:
        seen.add(schema.ref_name)
        schema = schemas[schema.ref_name]
    return schema

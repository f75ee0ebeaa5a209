"""What an endpoint's declared `response:` and body `schema:` make of its method.

A method with a response schema returns the annotation of that schema (a page of the item
schema when it pages) and turns the decoded body into it with a parser: the model's
`model_validate`, or a module-level `pydantic.TypeAdapter` for other annotations. Without
one it returns `Any` through `_as_is`. The samples are the JSON the generated tests'
fake service answers with, or sends as the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentflow.patterns.api.naming import spec_error
from agentflow.patterns.api.operations import Endpoint
from agentflow.patterns.schemas import Schema, SchemaTypes, sample

__all__ = ["UNTYPED", "EndpointTyping", "endpoint_typing"]


@dataclass(frozen=True)
class EndpointTyping:
    """The types of one endpoint method.

    `returns` is the method's value (each item's, for a paginated one), made by `parser`
    from the decoded JSON; `adapter` is the module-level `(name, annotation)` that parser
    needs, if any; `sample` is a JSON value `parser` accepts (None when untyped) and
    `item_id_is_number` says whether items carry a numeric `id_field`. `body_model` is the
    model a body may be given as, `body_sample` the JSON of such a body.
    """

    returns: str = "Any"
    parser: str = "_as_is"
    adapter: tuple[str, str] | None = None
    sample: Any = None
    item_id_is_number: bool = False
    body_model: str | None = None
    body_sample: Any = None

    @property
    def typed(self) -> bool:
        """Whether the method returns a declared type rather than `Any`."""
        return self.returns != "Any"


UNTYPED = EndpointTyping()


def endpoint_typing(
    endpoint: Endpoint, name: str, types: SchemaTypes, field: str
) -> EndpointTyping:
    """The types of `endpoint`, declared at `field`; `name` is its method's name, qualified
    by its resource (`issues_list`), for the names of the classes and adapters it needs."""
    hint = "".join(word.capitalize() for word in name.split("_") if word)
    response = _value_schema(endpoint, types, field)
    body_model, body_sample = _body(endpoint, types, f"{hint}Body", field)
    if response is None:
        return EndpointTyping(body_model=body_model, body_sample=body_sample)
    suffix = "Item" if endpoint.pagination else "Response"
    returns = types.annotation(response, f"{hint}{suffix}")
    if returns == "Any":
        return EndpointTyping(body_model=body_model, body_sample=body_sample)
    adapter = None
    if types.is_model(returns):
        parser = f"{returns}.model_validate"
    else:
        adapter_name = f"_{name.upper()}_{suffix.upper()}"
        adapter, parser = (adapter_name, returns), f"{adapter_name}.validate_python"
    return EndpointTyping(
        returns=returns,
        parser=parser,
        adapter=adapter,
        sample=sample(response, types.schemas),
        item_id_is_number=_numeric_id(endpoint, response, types, field),
        body_model=body_model,
        body_sample=body_sample,
    )


def _value_schema(endpoint: Endpoint, types: SchemaTypes, field: str) -> Schema | None:
    """The schema of the method's value: the response's, or each item's when it pages."""
    response, page = endpoint.response, endpoint.pagination
    if response is None or page is None:
        return response
    where = f"{field}.response"
    body = types.resolve(response)
    if page.items_field is not None:
        holder = body.properties.get(page.items_field) if body.kind == "object" else None
        if holder is None:
            raise spec_error(
                f"the response of a paginated endpoint must be an object with the items "
                f"in its {page.items_field!r} property",
                where,
                f"declare properties: {{{page.items_field}: {{type: array, items: ...}}}}",
            )
        body = types.resolve(holder)
    if body.kind != "array":
        raise spec_error(
            "a paginated endpoint's items must be declared as an array",
            where,
            "describe the list with type: array and its items",
        )
    return body.items or Schema()


def _numeric_id(endpoint: Endpoint, item: Schema, types: SchemaTypes, field: str) -> bool:
    """Whether `has_more` paging's items declare a numeric `id_field`."""
    page = endpoint.pagination
    if page is None or page.style != "has_more":
        return False
    item = types.resolve(item)
    if item.kind != "object":
        raise spec_error(
            "has_more paging sends the last item's id, so items must be objects",
            f"{field}.response",
        )
    declared = item.properties.get(page.id_field)
    return declared is not None and types.resolve(declared).kind in ("integer", "number")


def _body(endpoint: Endpoint, types: SchemaTypes, hint: str, field: str) -> tuple[str | None, Any]:
    """The model a body may be given as, and a sample of its JSON; (None, None) if none."""
    schema = endpoint.body.schema_ if endpoint.body else None
    if schema is None:
        return None, None
    model = types.annotation(schema, hint)
    if not types.is_model(model):
        raise spec_error(
            f"a body schema must be an object with properties, not {model}",
            f"{field}.body.schema",
            "declare the body's fields under properties:",
        )
    return model, sample(schema, types.schemas)

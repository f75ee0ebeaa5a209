"""Declared schemas: what the requirements accept, the models and annotations they become,
and the samples generated tests answer with."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from agentflow.errors import SpecError
from agentflow.patterns.api.context import build_api_context
from agentflow.patterns.api.naming import is_adapter_name
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.patterns.schemas import Schema, SchemaTypes, sample

BASE = "https://api.example"


def requirements(**fields: Any) -> ApiRequirements:
    return ApiRequirements.model_validate({"base_url": BASE, **fields})


def refused(**fields: Any) -> str:
    with pytest.raises(pydantic.ValidationError) as excinfo:
        requirements(**fields)
    return str(excinfo.value)


def endpoint(**fields: Any) -> dict[str, Any]:
    return {"method": "GET", "path": "/things", **fields}


def context(**fields: Any) -> Any:
    return build_api_context(requirements(**fields).resolved("shop"), slug="shop")["api"]


USER = {"type": "object", "required": ["login"], "properties": {"login": {"type": "string"}}}


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"oneOf": [USER]}, "`oneOf` is not supported"),
        ({"allOf": [USER]}, "`allOf` is not supported"),
        ({"type": "string", "properties": {"a": {}}}, "`properties` belong to an object"),
        ({"type": "object", "items": {}}, "`items` belong to an array"),
        ({"properties": {"a": {}}, "required": ["b"]}, "`required` names 'b'"),
        ({"enum": [1, "a"]}, "must all be strings, all numbers or all booleans"),
        ({"type": "integer", "enum": ["a"]}, "'a' is not of type 'integer'"),
        ({"type": "array", "enum": [1]}, "`enum` needs a string, integer"),
        ({"$ref": "#/definitions/User"}, "must be '#/components/schemas/Name'"),
        ({"$ref": "User", "type": "object"}, "a $ref stands alone"),
        ({"type": "strin"}, "type"),
        ({"propertes": {}}, "propertes"),
    ],
)
def test_schemas_outside_the_subset_are_refused_by_name(schema: Any, message: str) -> None:
    text = refused(schemas={"User": USER}, endpoints=[endpoint(response=schema)])
    assert message in text
    assert "endpoints.0.response" in text


def test_a_reference_to_an_undeclared_schema_names_both() -> None:
    text = refused(schemas={"User": USER}, endpoints=[endpoint(response="Usr")])
    assert "endpoints[0].response refers to schema 'Usr'" in text
    assert "(declared: User)" in text


def test_schema_names_must_start_with_a_letter() -> None:
    assert "is not a schema name" in refused(schemas={"1User": USER})
    assert "is not a schema name" in refused(schemas={"User Name": USER})


def test_documentation_keys_are_accepted_and_ignored() -> None:
    schema = {**USER, "title": "A user", "example": {"login": "x"}, "minProperties": 1}
    declared = requirements(schemas={"User": schema}).schemas["User"]
    assert declared == requirements(schemas={"User": USER}).schemas["User"]


def test_deep_nesting_is_refused_before_it_can_exhaust_the_validator() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(300):
        deep = {"properties": {"a": deep}}
    text = refused(schemas={"Deep": deep})
    assert "nests more than 32 mappings and lists deep" in text
    assert len(text) < 2000


def test_a_bare_name_and_both_prefixes_refer_to_a_schema() -> None:
    for ref in ("User", "#/schemas/User", "#/components/schemas/User"):
        declared = requirements(schemas={"User": USER}, endpoints=[endpoint(response=ref)])
        assert declared.endpoints[0].response is not None
        assert declared.endpoints[0].response.ref_name == "User"


def types_of(schemas: dict[str, Any]) -> SchemaTypes:
    declared = requirements(schemas=schemas).schemas
    return SchemaTypes(declared, is_adapter_name)


def test_annotations_follow_the_schema() -> None:
    types = types_of({"User": USER})
    cases = {
        "User": {"$ref": "User"},
        "list[User]": {"type": "array", "items": {"$ref": "User"}},
        "list[Any]": {"type": "array"},
        "dict[str, Any]": {"type": "object"},
        "dict[str, int]": {"type": "object", "additionalProperties": {"type": "integer"}},
        "Literal['a', \"b'c\"] | None": {"enum": ["a", "b'c"], "nullable": True},
        "datetime.datetime": {"type": "string", "format": "date-time"},
        "datetime.date | None": {"type": "string", "format": "date", "nullable": True},
        "str": {"type": "string", "format": "uri"},
        "float": {"type": "number"},
        "Any": {},
    }
    for expected, schema in cases.items():
        assert types.annotation(Schema.model_validate(schema), "Hint") == expected
    assert types.uses_datetime and types.uses_literal


def test_models_take_free_names_and_fields_take_safe_ones() -> None:
    types = types_of(
        {
            "APIResponse": USER,
            "ShopClient": USER,
            "user": USER,
            "Widget": {
                "required": ["class"],
                "properties": {
                    "class": {"type": "string"},
                    "model_config": {"type": "string"},
                    "fullName": {"type": "string"},
                    "1st": {"type": "integer"},
                    "id": {"type": "integer"},
                    "part": {"properties": {"size": {"type": "integer"}}},
                },
            },
        }
    )
    names = [model.name for model in types.models]
    assert names == ["APIResponseModel", "ShopClientModel", "User", "Widget", "WidgetPart"]
    widget = next(model for model in types.models if model.name == "Widget")
    assert [field.declaration for field in widget.fields] == [
        "class_: str = pydantic.Field(alias='class')",
        "field_1st: int | None = pydantic.Field(default=None, alias='1st')",
        "full_name: str | None = pydantic.Field(default=None, alias='fullName')",
        "id: int | None = None",
        "model_config_: str | None = pydantic.Field(default=None, alias='model_config')",
        "part: WidgetPart | None = None",
    ]


def test_recursion_needs_an_object_in_between() -> None:
    types = types_of({"Node": {"properties": {"children": {"items": {"$ref": "Node"}}}}})
    assert [m.name for m in types.models] == ["Node"]
    with pytest.raises(SpecError, match="refers to itself through Loop → Loop"):
        types_of({"Loop": {"type": "array", "items": {"$ref": "Loop"}}})


def test_samples_satisfy_their_schema_and_stay_finite() -> None:
    schemas = requirements(
        schemas={
            "Node": {
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "when": {"type": "string", "format": "date-time"},
                    "state": {"enum": ["on", "off"]},
                    "children": {"items": {"$ref": "Node"}},
                    "parent": {"$ref": "Node"},
                },
            }
        }
    ).schemas
    value = sample(schemas["Node"], schemas)
    assert value["name"] == "text" and value["state"] == "on"
    assert value["when"] == "2024-01-02T03:04:05Z"
    assert value["children"][0]["name"] == "text"
    required_loop = requirements(
        schemas={"Loop": {"required": ["next"], "properties": {"next": {"$ref": "Loop"}}}}
    ).schemas
    with pytest.raises(SpecError, match="requires itself without end"):
        sample(required_loop["Loop"], required_loop)


def test_typed_methods_return_their_models_and_untyped_ones_any() -> None:
    api = context(
        schemas={"User": USER},
        endpoints=[
            endpoint(path="/user", response="User"),
            endpoint(path="/users", response={"items": "User"}),
            endpoint(path="/status"),
        ],
    )
    by_path = {e.path: e for e in api.endpoints}
    assert by_path["/user"].returns == "User"
    assert by_path["/user"].typing.parser == "User.model_validate"
    assert by_path["/users"].returns == "list[User]"
    assert by_path["/users"].typing.adapter == ("_LIST_USERS_RESPONSE", "list[User]")
    assert by_path["/status"].returns == "Any" and by_path["/status"].typing.parser == "_as_is"
    assert api.typed and api.type_adapters == (("_LIST_USERS_RESPONSE", "list[User]"),)


def test_untyped_packages_do_not_use_pydantic() -> None:
    api = context(endpoints=[endpoint()])
    assert not api.typed and api.models == () and api.type_adapters == ()


@pytest.mark.parametrize(
    ("page", "response", "message"),
    [
        ("link", "User", "items must be declared as an array"),
        ({"style": "cursor", "items_field": "data"}, {"items": "User"}, "in its 'data' property"),
        (
            {"style": "has_more", "items_field": "data"},
            {"properties": {"data": {"items": {"type": "string"}}}},
            "items must be objects",
        ),
    ],
)
def test_a_paginated_response_must_hold_its_items(page: Any, response: Any, message: str) -> None:
    with pytest.raises(SpecError, match=message) as excinfo:
        context(schemas={"User": USER}, endpoints=[endpoint(pagination=page, response=response)])
    assert excinfo.value.diagnostics[0].field == "requirements.endpoints[0].response"


def test_a_page_types_its_items() -> None:
    api = context(
        schemas={"User": USER},
        endpoints=[
            endpoint(
                pagination={"style": "has_more", "items_field": "data"},
                response={"properties": {"data": {"items": "User"}}},
            )
        ],
    )
    (page,) = api.endpoints
    assert page.returns == "User" and page.return_doc == "SyncPage[User]"
    assert page.pagination.item_parser == "User.model_validate"


def test_a_body_schema_must_be_an_object_with_properties() -> None:
    post = {"method": "POST", "path": "/things"}
    with pytest.raises(SpecError, match="a body schema must be an object") as excinfo:
        context(endpoints=[{**post, "body": {"schema": {"type": "string"}}}])
    assert excinfo.value.diagnostics[0].field == "requirements.endpoints[0].body.schema"
    api = context(schemas={"User": USER}, endpoints=[{**post, "body": {"schema": "User"}}])
    assert api.endpoints[0].typing.body_model == "User"
    assert "json: User | Mapping[str, Any]" in api.endpoints[0].signature

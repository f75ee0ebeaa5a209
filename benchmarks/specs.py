"""Deterministic inputs for the benchmarks.

`large_spec()` describes a 200-endpoint REST API in agentflow's requirements format: 40
resources with five operations each (list, create, get, update, delete), a quarter of them
nested under `/projects/{project_id}`, every list endpoint taking query parameters and every
fifth one paginated by page number. `large_openapi()` is the same API as an OpenAPI 3.0
document, for generators that read OpenAPI. Bodies and responses are free-form JSON objects in
both, as they are in agentflow's format.

`scaled_spec(count)` is the same API grown (or cut) to `count` endpoints, for measuring how
generation time grows: past the forty resources, each further round of them sits under its own
path prefix (`/v2/accounts`, `/v3/accounts`, …), so every name and route stays unique.
`compact_yaml(count)` writes it in the short form (`{method, path}` only, flow style), which
fits 20,000 endpoints under the 1 MiB file-size limit.

Run `python benchmarks/specs.py DIR` to write `large.yaml` and `large.openapi.json` into DIR.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

RESOURCES: tuple[str, ...] = (
    "account",
    "alert",
    "artifact",
    "asset",
    "audit_event",
    "batch",
    "branch",
    "build",
    "campaign",
    "channel",
    "comment",
    "contact",
    "coupon",
    "customer",
    "dataset",
    "deployment",
    "device",
    "document",
    "domain",
    "environment",
    "experiment",
    "feature",
    "folder",
    "invoice",
    "job",
    "label",
    "member",
    "milestone",
    "note",
    "order",
    "payment",
    "pipeline",
    "policy",
    "release",
    "report",
    "schedule",
    "secret",
    "subscription",
    "ticket",
    "webhook",
)
"""Forty resources; five operations each make 200 endpoints."""

BASE_URL = "https://api.example.com/v1"
_ITEM_PARAM = re.compile(r"\{(?!project_id\})\w+_id\}")
LIST_QUERY: tuple[dict[str, Any], ...] = (
    {"name": "per_page", "type": "int"},
    {"name": "sort", "type": "str"},
    {"name": "include_archived", "type": "bool"},
)


def _plural(name: str) -> str:
    if name.endswith("y") and name[-2] not in "aeiou":
        return f"{name[:-1]}ies"
    return f"{name}es" if name.endswith(("ch", "s", "x")) else f"{name}s"


def _collection_path(index: int, resource: str) -> str:
    prefix = "/projects/{project_id}" if index % 4 == 3 else ""
    return f"{prefix}/{_plural(resource)}"


def large_endpoints(count: int = 5 * len(RESOURCES)) -> list[dict[str, Any]]:
    """The first `count` endpoints (200 by default), in agentflow's explicit endpoint form."""
    endpoints: list[dict[str, Any]] = []
    for index in range(-(-count // 5)):
        area, position = divmod(index, len(RESOURCES))
        resource = RESOURCES[position] if area == 0 else f"v{area + 1}_{RESOURCES[position]}"
        collection = _collection_path(position, RESOURCES[position])
        collection = f"/v{area + 1}{collection}" if area else collection
        item = f"{collection}/{{{RESOURCES[position]}_id}}"
        plural = _plural(resource)
        listing: dict[str, Any] = {
            "name": f"list_{plural}",
            "method": "GET",
            "path": collection,
            "description": f"List {plural.replace('_', ' ')}.",
            "query": [dict(param) for param in LIST_QUERY],
        }
        if index % 5 == 0:
            listing["pagination"] = "page"
        endpoints += [
            listing,
            {"name": f"create_{resource}", "method": "POST", "path": collection, "body": True},
            {"name": f"get_{resource}", "method": "GET", "path": item},
            {"name": f"update_{resource}", "method": "PUT", "path": item, "body": True},
            {"name": f"delete_{resource}", "method": "DELETE", "path": item},
        ]
    return endpoints[:count]


def large_spec() -> dict[str, Any]:
    """The 200-endpoint requirements file, as data."""
    return scaled_spec(5 * len(RESOURCES))


def scaled_spec(count: int) -> dict[str, Any]:
    """A `count`-endpoint requirements file, as data; 200 gives `large_spec()`."""
    return {
        "service": "Bench Large",
        "type": "api",
        "description": f"A {count}-endpoint REST API used to measure generation speed.",
        "requirements": {
            "base_url": BASE_URL,
            "auth_type": "bearer",
            "rate_limit": "100/second",
            "endpoints": large_endpoints(count),
        },
    }


def compact_yaml(count: int) -> str:
    """`scaled_spec(count)` with endpoints in the short form, one flow mapping per line.

    The explicit form takes about 115 bytes an endpoint; this one, whose item parameters are
    all called `{id}`, about 45, so that 20,000 endpoints fit under the 1 MiB file-size limit.
    """
    spec = scaled_spec(count)
    endpoints = spec["requirements"].pop("endpoints")
    head = yaml.safe_dump(spec, sort_keys=False)
    lines = [
        f'  - {{method: {e["method"]}, path: "{_ITEM_PARAM.sub("{id}", e["path"])}"}}'
        for e in endpoints
    ]
    return head + "  endpoints:\n" + "\n".join(lines) + "\n"


_OPENAPI_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
_JSON_OBJECT: dict[str, Any] = {"type": "object", "additionalProperties": True}


def _operation(endpoint: dict[str, Any]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = []
    for segment in endpoint["path"].split("/"):
        if segment.startswith("{"):
            name = segment.strip("{}")
            parameters.append(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            )
    for param in endpoint.get("query", []):
        query_schema = {"type": _OPENAPI_TYPES[param["type"]]}
        parameters.append(
            {"name": param["name"], "in": "query", "required": False, "schema": query_schema}
        )
    if endpoint.get("pagination"):
        parameters.append(
            {"name": "page", "in": "query", "required": False, "schema": {"type": "integer"}}
        )
    if endpoint["method"] == "DELETE":
        responses: dict[str, Any] = {"204": {"description": "Deleted."}}
    else:
        listing = "query" in endpoint
        body: dict[str, Any] = {"type": "array", "items": _JSON_OBJECT} if listing else _JSON_OBJECT
        responses = {
            "200": {"description": "OK.", "content": {"application/json": {"schema": body}}}
        }
    operation: dict[str, Any] = {
        "operationId": endpoint["name"],
        "summary": endpoint.get("description") or endpoint["name"].replace("_", " ").capitalize(),
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    if endpoint.get("body"):
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _JSON_OBJECT}},
        }
    return operation


def large_openapi() -> dict[str, Any]:
    """The 200-endpoint API as an OpenAPI 3.0 document."""
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in large_endpoints():
        paths.setdefault(endpoint["path"], {})[endpoint["method"].lower()] = _operation(endpoint)
    return {
        "openapi": "3.0.3",
        "info": {"title": "Bench Large", "version": "0.1.0"},
        "servers": [{"url": BASE_URL}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }


def write_specs(directory: Path) -> tuple[Path, Path]:
    """Write `large.yaml` and `large.openapi.json` into `directory`; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    spec_path = directory / "large.yaml"
    spec_path.write_text(yaml.safe_dump(large_spec(), sort_keys=False), encoding="utf-8")
    openapi_path = directory / "large.openapi.json"
    openapi_path.write_text(json.dumps(large_openapi(), indent=2) + "\n", encoding="utf-8")
    return spec_path, openapi_path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/specs.py DIR")
    for path in write_specs(Path(sys.argv[1])):
        print(path)

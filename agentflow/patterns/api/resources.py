"""Resources: endpoints grouped under a client attribute, `client.issues.list(...)`.

An endpoint declared with `resource: issues` becomes a method of the clients' `issues`
object, as openai-python groups its methods (`client.chat.completions.create`). Inside a
resource a method is called by its verb alone (`list`, `create`, `capture`) when no other
method there has that verb, else by its full derived name (`list_issues`); an explicit
`name` always wins. Resource names must not shadow what the client already has (`config`,
`close`, an endpoint method …); such clashes are `SpecError`s that point at the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from agentflow.patterns.api.flavors import ClientFlavor
from agentflow.patterns.api.naming import (
    CLIENT_ATTRIBUTES,
    RESOURCE_ATTRIBUTES,
    ClassNames,
    camel_case,
    spec_error,
    unique_method_names,
)
from agentflow.patterns.api.operations import Endpoint
from agentflow.patterns.api.views import EndpointView

__all__ = ["ResourceView", "placed_method_names", "resource_views", "with_keys"]


@dataclass(frozen=True)
class ResourceView:
    """One resource object of the clients: its attribute name and its methods, sorted."""

    name: str
    endpoints: tuple[EndpointView, ...]

    def class_name(self, flavor: ClientFlavor, names: ClassNames) -> str:
        """The class of this resource on the sync or the async client."""
        return names.resource_class(self.name, is_async=flavor.is_async)

    @property
    def summary(self) -> str:
        """The methods, for a docstring: `` `create`, `list` ``."""
        return ", ".join(f"`{e.method_name}`" for e in self.endpoints)

    @property
    def example(self) -> EndpointView:
        """The method the resource's docstring shows: a GET if there is one."""
        gets = [e for e in self.endpoints if e.http_method == "GET"]
        return (gets or list(self.endpoints))[0]


def placed_method_names(endpoints: Sequence[Endpoint]) -> list[str]:
    """The method name of each endpoint where it lives: on the client, unique among the
    client's attributes (as `naming.method_names`); in a resource, unique there."""
    on_client = [(i, e) for i, e in enumerate(endpoints) if e.resource is None]
    names = unique_method_names(on_client, CLIENT_ATTRIBUTES, verbs=False)
    groups = _groups(endpoints)
    _check_resources(groups, {name: index for index, name in names.items()})
    for members in groups.values():
        names.update(unique_method_names(members, RESOURCE_ATTRIBUTES, verbs=True))
    return [names[index] for index in range(len(endpoints))]


def resource_views(views: Sequence[EndpointView]) -> tuple[ResourceView, ...]:
    """The resources of `views`, sorted by name, each with its views sorted by method."""
    names = sorted({v.resource for v in views if v.resource is not None})
    return tuple(
        ResourceView(
            name,
            tuple(sorted((v for v in views if v.resource == name), key=lambda v: v.method_name)),
        )
        for name in names
    )


def with_keys(views: Sequence[EndpointView]) -> list[EndpointView]:
    """`views` with a package-wide unique `key` for each resource method (`issues_list`,
    then `issues_list_2` …), for the names of its tests; client methods keep theirs."""
    taken = {v.method_name for v in views if v.resource is None}
    keyed = []
    for view in views:
        if view.resource is not None:
            base = f"{view.resource}_{view.method_name}"
            key, counter = base, 2
            while key in taken:
                key, counter = f"{base}_{counter}", counter + 1
            taken.add(key)
            view = replace(view, key=key)
        keyed.append(view)
    return keyed


def _groups(endpoints: Sequence[Endpoint]) -> dict[str, list[tuple[int, Endpoint]]]:
    """(requirements index, endpoint) of each resource, by resource name, sorted."""
    groups: dict[str, list[tuple[int, Endpoint]]] = {}
    for index, endpoint in enumerate(endpoints):
        if endpoint.resource is not None:
            groups.setdefault(endpoint.resource, []).append((index, endpoint))
    return dict(sorted(groups.items()))


def _check_resources(
    groups: dict[str, list[tuple[int, Endpoint]]], client_methods: dict[str, int]
) -> None:
    """Refuse a resource that would shadow a client attribute or endpoint method, and two
    whose class names would be one (`a_1b` and `a1b` are both `A1b`)."""
    camels: dict[str, str] = {}
    for resource, members in groups.items():
        field = f"requirements.endpoints[{members[0][0]}].resource"
        rename = f"rename the resource, e.g. {resource}_api"
        if resource in CLIENT_ATTRIBUTES:
            raise spec_error(
                f"resource {resource!r} would hide the clients' own `{resource}`", field, rename
            )
        if resource in client_methods:
            other = f"requirements.endpoints[{client_methods[resource]}]"
            raise spec_error(
                f"resource {resource!r} would hide the client method `{resource}` of {other}",
                field,
                f"{rename}, or give {other} another `name:`",
            )
        other = camels.setdefault(camel_case(resource), resource)
        if other != resource:
            raise spec_error(
                f"resources {other!r} and {resource!r} would have the same class name "
                f"(`{camel_case(resource)}`)",
                field,
                "give the resources names that differ in more than their underscores",
            )

"""Names in a generated API adapter: one unique method per endpoint, and the class names.

Endpoint methods never shadow the client's own attributes, and class names never shadow
what the adapter imports from its helper package; clashes that cannot be resolved are
`SpecError`s that point at the endpoint.
"""

from __future__ import annotations

import keyword
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from agentflow.patterns import RUNTIME_NAMES, identifier, unique_identifiers
from agentflow.patterns.api.operation_names import OperationName, operation_name
from agentflow.patterns.api.operations import Endpoint
from agentflow.patterns.schemas import spec_error

__all__ = [
    "ADAPTER_GLOBALS",
    "CLIENT_ATTRIBUTES",
    "RESERVED_PARAMS",
    "RESOURCE_ATTRIBUTES",
    "SDK_ERRORS",
    "STATUS_ERRORS",
    "ClassNames",
    "is_adapter_name",
    "camel_case",
    "method_names",
    "spec_error",
    "unique_method_names",
]

# Attributes of the generated clients; endpoint methods must never shadow them.
CLIENT_ATTRIBUTES = frozenset(
    {
        "aclose",
        "circuit_state",
        "close",
        "config",
        "metrics",
        "request",
        "send",
        "stream",
        "with_options",
        "with_raw_response",
    }
)
# Attributes of a resource object besides its endpoint methods.
RESOURCE_ATTRIBUTES = frozenset({"with_raw_response"})
# Types the endpoint methods' annotations name: a method of that name would shadow them.
_ANNOTATION_NAMES = frozenset({"bool", "float", "int", "self", "str"})
# Names the adapter may import from its helper package; its own classes must differ.
HELPER_NAMES = RUNTIME_NAMES
# Parameter names the generated methods use themselves: the body and the per-call options.
RESERVED_PARAMS = (
    "self",
    "json",
    "extra_headers",
    "extra_query",
    "extra_body",
    "timeout",
    "max_retries",
)
# ClassNames field -> class-name suffix of the service's own classes (the async client is
# `Async<prefix>Client`).
_SUFFIXES = {"config": "Config", "client": "Client", "error": "Error"}
# Classes only the generic client (an adapter without declared endpoints) defines.
_GENERIC_SUFFIXES = {"invalid_path_error": "InvalidPathError"}
# ClassNames field -> the error names Python SDK users know (openai-python, anthropic-sdk),
# the same in every package; all derive from the service's base error.
SDK_ERRORS = {
    "connection_error": "APIConnectionError",
    "timeout_error": "APITimeoutError",
    "http_error": "APIStatusError",
    "bad_request_error": "BadRequestError",
    "auth_error": "AuthenticationError",
    "permission_denied_error": "PermissionDeniedError",
    "not_found_error": "NotFoundError",
    "conflict_error": "ConflictError",
    "unprocessable_entity_error": "UnprocessableEntityError",
    "rate_limit_error": "RateLimitError",
    "server_error": "InternalServerError",
}
# The status class of each error status; other statuses raise the `http_error` base, and
# 5xx the `server_error`.
STATUS_ERRORS = {
    400: "bad_request_error",
    401: "auth_error",
    403: "permission_denied_error",
    404: "not_found_error",
    409: "conflict_error",
    422: "unprocessable_entity_error",
    429: "rate_limit_error",
}


@dataclass(frozen=True)
class ClassNames:
    """Names of the classes an adapter defines: the service's own (from its class-name
    prefix) and the SDK error names."""

    config: str
    client: str
    async_client: str
    error: str
    connection_error: str
    timeout_error: str
    http_error: str
    bad_request_error: str
    auth_error: str
    permission_denied_error: str
    not_found_error: str
    conflict_error: str
    unprocessable_entity_error: str
    rate_limit_error: str
    server_error: str
    invalid_path_error: str
    resources: tuple[tuple[str, str, str], ...] = ()
    """(resource, sync class, async class) of each resource object, by resource name."""

    @classmethod
    def for_prefix(cls, prefix: str, resources: Iterable[str] = ()) -> ClassNames:
        """Public names for `prefix` (`_42Labs` → `Svc42Labs`, like the `svc_` slug) and
        the classes of the client's `resources` (`issues` → `GitHubIssuesResource`).

        `Api` is appended to the prefix when a name would shadow a helper import or an SDK
        error name (a service called `NotFound`), or two names would be one (a service
        called `Async` with resources `x` and `async_x`).
        """
        prefix = prefix.lstrip("_")
        if not prefix[:1].isalpha():
            prefix = f"Svc{prefix}"
        resources = tuple(sorted(resources))
        names = cls._build(prefix, resources)
        if names._clashes():
            names = cls._build(f"{prefix}Api", resources)
        return names

    @classmethod
    def _build(cls, prefix: str, resources: tuple[str, ...]) -> ClassNames:
        suffixes = {**_SUFFIXES, **_GENERIC_SUFFIXES}
        names = {field: f"{prefix}{suffix}" for field, suffix in suffixes.items()}
        classes = tuple(
            (r, f"{prefix}{camel_case(r)}Resource", f"Async{prefix}{camel_case(r)}Resource")
            for r in resources
        )
        return cls(async_client=f"Async{prefix}Client", **names, **SDK_ERRORS, resources=classes)

    def _clashes(self) -> bool:
        """Whether a name of the service's own shadows an import or an SDK error, or two
        of them are the same."""
        own = [*self.service_classes(), *self.resource_classes()]
        shadowed = (HELPER_NAMES | set(SDK_ERRORS.values())) & set(own)
        return bool(shadowed) or len(set(own)) < len(own)

    def service_classes(self) -> tuple[str, ...]:
        """The names made from the service's prefix, besides the resource classes."""
        fields = (*_SUFFIXES, "async_client", *_GENERIC_SUFFIXES)
        return tuple(getattr(self, field) for field in fields)

    def all(self) -> tuple[str, ...]:
        """The class names every adapter defines, in declaration order."""
        skipped = {*_GENERIC_SUFFIXES, "resources"}
        return tuple(name for field, name in vars(self).items() if field not in skipped)

    def resource_class(self, resource: str, *, is_async: bool) -> str:
        """The class of the `resource` object of the sync or the async client."""
        sync, async_ = next((s, a) for name, s, a in self.resources if name == resource)
        return async_ if is_async else sync

    def resource_classes(self) -> tuple[str, ...]:
        """The resource classes and their raw-response wrappers, sorted."""
        classes = [c for _, sync, async_ in self.resources for c in (sync, async_)]
        return tuple(sorted((*classes, *(f"{c}WithRawResponse" for c in classes))))

    def defined(self, *, generic: bool) -> tuple[str, ...]:
        """The class names of an adapter: `all()`, plus those of the generic client if any."""
        extra = tuple(getattr(self, field) for field in _GENERIC_SUFFIXES) if generic else ()
        return self.all() + extra

    def status_errors(self) -> tuple[tuple[int, str], ...]:
        """(status, class name) of every status with its own error class, by status."""
        return tuple((status, getattr(self, field)) for status, field in STATUS_ERRORS.items())


# Capitalised names an adapter defines or imports besides its service's own classes (those
# end with one of `_SERVICE_ENDINGS`); a model class must differ from all of them.
ADAPTER_GLOBALS = frozenset(
    {
        "APIResponse",
        "Any",
        "AsyncIterator",
        "AsyncPage",
        "Awaitable",
        "Callable",
        "ChainMap",
        "ContextVar",
        "ENV_PREFIX",
        "Generic",
        "Iterator",
        "Literal",
        "Mapping",
        "ParamSpec",
        "RETRY_STATUSES",
        "SECRET_ENV_VARS",
        "SyncPage",
        "TracebackType",
        "TypeVar",
    }
    | HELPER_NAMES
    | set(SDK_ERRORS.values())
)
_SERVICE_ENDINGS = ("Client", "Config", "Error", "Resource", "WithRawResponse")


def is_adapter_name(name: str) -> bool:
    """Whether a class called `name` could clash with a name the adapter has itself."""
    return name in ADAPTER_GLOBALS or name.endswith(_SERVICE_ENDINGS)


def camel_case(name: str) -> str:
    """A lower snake case name in CapWords, for a class name: `pull_requests` → `PullRequests`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def method_names(endpoints: Iterable[Endpoint]) -> list[str]:
    """A unique Python method name per endpoint, in the order given.

    Explicit `name`s win. Derived names (`GET /repos/{owner}/{repo}/issues` → `list_issues`)
    that collide, with each other or a taken name, are qualified by their parent resource
    (`list_repo_issues`); those still colliding get `_by_<path params>`, then `_2`, `_3`…
    in (path, method) order. None may shadow a client attribute such as `close`.
    """
    items = list(enumerate(endpoints))
    result = unique_method_names(items, CLIENT_ATTRIBUTES, verbs=False)
    return [result[index] for index, _ in items]


def unique_method_names(
    items: Iterable[tuple[int, Endpoint]], reserved: frozenset[str], *, verbs: bool
) -> dict[int, str]:
    """A unique method name per (requirements index, endpoint) of one class, by index.

    As `method_names`, avoiding `reserved`; with `verbs` (the methods of a resource
    object) a derived name is first its verb alone (`list`), when no other method there
    has that verb, and builtin names such as `list` are allowed.
    """
    items = list(items)
    taken = set(reserved)
    result: dict[int, str] = {}
    for index, endpoint in items:
        if endpoint.name is not None:
            result[index] = _claim_explicit(endpoint, index, taken, reserved, verbs=verbs)
    derived = sorted(
        ((i, e) for i, e in items if e.name is None), key=lambda p: (p[1].path, p[1].method)
    )
    operations = {i: operation_name(e.method, e.path) for i, e in derived}
    if verbs:
        result.update(_unique_verbs(operations, taken))
        derived = [(i, e) for i, e in derived if i not in result]
    bases = _qualified_on_collision({i: operations[i] for i, _ in derived}, taken)
    counts = Counter(bases.values())
    for index, endpoint in derived:
        name = bases[index]
        if (counts[name] > 1 or name in taken) and endpoint.path_params:
            params = unique_identifiers(endpoint.path_params, taken=RESERVED_PARAMS)
            name = f"{name}_by_{'_'.join(p.strip('_') for p in params)}"
        result[index] = _first_free(name, taken)
    return result


def _unique_verbs(operations: dict[int, OperationName], taken: set[str]) -> dict[int, str]:
    """The verbs (`list`, `capture`) that name exactly one operation and are free."""
    words = {index: _method_word(op.verb) for index, op in operations.items()}
    counts = Counter(words.values())
    chosen = {i: w for i, w in words.items() if counts[w] == 1 and w not in taken}
    taken.update(chosen.values())
    return chosen


def _method_word(name: str) -> str:
    """`name` as `identifier` made it, but a builtin name back as it was (`list_` →
    `list`), as SDKs call their methods: a method shadows no builtin outside its class.
    Keywords, and the types the methods' annotations name, keep their `_`."""
    bare = name[:-1]
    builtin = name.endswith("_") and identifier(bare) == name and bare not in _ANNOTATION_NAMES
    if builtin and not (keyword.iskeyword(bare) or keyword.issoftkeyword(bare)):
        return bare
    return name


def _qualified_on_collision(names: dict[int, OperationName], taken: set[str]) -> dict[int, str]:
    """Each name, or its qualified form when another endpoint or a taken name shares it."""
    counts = Counter(n.name for n in names.values())
    return {
        index: n.qualified if counts[n.name] > 1 or n.name in taken else n.name
        for index, n in names.items()
    }


def _claim_explicit(
    endpoint: Endpoint, index: int, taken: set[str], reserved: frozenset[str], *, verbs: bool
) -> str:
    assert endpoint.name is not None
    name = identifier(endpoint.name)
    if name.startswith("_"):
        name = f"{endpoint.method.lower()}{name}"
    if verbs:
        name = _method_word(name)
    if name in reserved:
        name = f"{name}_"
    if name in taken:
        raise spec_error(
            f"endpoint name {endpoint.name!r} becomes the method name {name!r}, "
            "which another endpoint already uses",
            f"requirements.endpoints[{index}].name",
            "give the endpoints names that differ in letters or digits",
        )
    taken.add(name)
    return name


def _first_free(name: str, taken: set[str]) -> str:
    candidate, counter = name, 2
    while candidate in taken:
        candidate, counter = f"{name}_{counter}", counter + 1
    taken.add(candidate)
    return candidate

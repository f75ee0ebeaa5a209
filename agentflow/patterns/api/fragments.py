"""Python source fragments for the API templates, assembled from escaped parts only.

Argument lists and expressions are built here, not in Jinja, so templates only print them;
the parameters every method takes (its per-call options, its body's) are here too. A
fragment is made of three kinds of parts: identifiers the context builder has sanitized,
fixed code written in this package, and values escaped by `pyrepr`, the very filter
templates use for literals. A user's value therefore still reaches generated code only
through an escaping filter, even where a template prints a fragment as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agentflow.patterns import pyrepr

__all__ = [
    "BODIES",
    "EXTRA_BODY_DOC",
    "EXTRA_BODY_PARAM",
    "NO_BODY",
    "OPTION_DOCS",
    "OPTION_PARAMS",
    "SAMPLE_BODY",
    "SAMPLE_FILES",
    "BodyForm",
    "arguments",
    "mapping",
]

# The JSON body generated tests and examples send (double quotes, as in the docs' code).
SAMPLE_BODY = '{"name": "example"}'
# The files generated tests and examples upload through a multipart body.
SAMPLE_FILES = '{"upload": ("example.txt", b"example", "text/plain")}'


def arguments(*parts: str) -> str:
    """Comma-separated parts, empty ones left out: a parameter or argument list."""
    return ", ".join(part for part in parts if part)


def mapping(pairs: Iterable[tuple[object, str]]) -> str:
    """A dict display whose keys are literals and whose values are code (`{'id': id}`)."""
    return "{" + ", ".join(f"{pyrepr(key)}: {code}" for key, code in pairs) + "}"


# The per-call options every endpoint method takes, as openai-python's methods do.
OPTION_PARAMS = (
    "extra_headers: Mapping[str, str] | None = None",
    "extra_query: Mapping[str, Any] | None = None",
    "timeout: float | None = None",
    "max_retries: int | None = None",
)
EXTRA_BODY_PARAM = "extra_body: Mapping[str, Any] | None = None"
OPTION_DOCS = (
    ("extra_headers", "headers of this call, added to (or replacing) the client's."),
    ("extra_query", "query parameters to send besides the declared ones."),
    ("timeout", "seconds for this call; None keeps the configured timeout."),
    ("max_retries", "retries of this call; None keeps the configured attempts."),
)
EXTRA_BODY_DOC = (("extra_body", "fields to send besides the body, which they update."),)


@dataclass(frozen=True)
class BodyForm:
    """What a body encoding puts in a method: its parameters, the arguments it passes to
    `_call`, the sample arguments of tests and examples, and its docstring entries."""

    params: tuple[str, ...] = ()
    request: str = ""
    samples: tuple[str, ...] = ()
    docs: tuple[tuple[str, str], ...] = ()


_FORM_DOC = "the form fields; nested mappings and lists go in bracket notation (`a[b]=c`)."
NO_BODY = BodyForm()
BODIES = {
    "json": BodyForm(
        ("json: Mapping[str, Any]",),
        "json=_body(json, extra_body)",
        (f"json={SAMPLE_BODY}",),
        (("json", "the JSON request body."),),
    ),
    "form": BodyForm(
        ("data: Mapping[str, Any]",),
        "data=_form(_body(data, extra_body))",
        (f"data={SAMPLE_BODY}",),
        (("data", _FORM_DOC),),
    ),
    "multipart": BodyForm(
        ("data: Mapping[str, Any]", "files: Mapping[str, Any]"),
        "data=_form(_body(data, extra_body)), files=files",
        (f"data={SAMPLE_BODY}", f"files={SAMPLE_FILES}"),
        (("data", _FORM_DOC), ("files", "the files: field name → (file name, bytes, type).")),
    ),
}

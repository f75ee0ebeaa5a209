"""Python source fragments for the API templates, assembled from escaped parts only.

Argument lists and expressions are built here, not in Jinja, so templates only print
them. A fragment is made of three kinds of parts: identifiers the context builder has
sanitized, fixed code written in this package, and values escaped by `pyrepr`, the very
filter templates use for literals. A user's value therefore still reaches generated code
only through an escaping filter, even where a template prints a fragment as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from agentflow.patterns import pyrepr

__all__ = ["SAMPLE_BODY", "SAMPLE_FILES", "arguments", "mapping"]

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

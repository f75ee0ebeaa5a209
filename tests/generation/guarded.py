"""The guard as the model backend calls it, on the GitHub package's rendered files."""

from __future__ import annotations

import functools

from agentflow.generation.backends.guard import (
    check_rewrite,
    literal_facts,
    requirement_addresses,
)
from agentflow.patterns.api import ApiPattern

from .fake_chat import REQUIREMENTS, template_files

ADAPTER = "github_adapter.py"
TESTS = "test_github_adapter.py"
EXAMPLES = "examples.py"
GUIDE = "GITHUB_INTEGRATION.md"
# Anchors in the rendered files, where snippets go.
MODULE_LEVEL = "_LOG = logging.getLogger(__name__)\n"
# A line inside the request loop of `_request`, right after the request was sent.
SENDING_CALL = "hop = _next_hop(response, self._origin)\n"
PATTERN = ApiPattern()


@functools.cache
def rendered() -> dict[str, str]:
    """The package's files as the template backend renders them."""
    return template_files()


def check(path: str, text: str, *, reference: str | None = None) -> list[str]:
    """The guard's problems with `text` as the model's version of `path`, whose rendered
    text is the reference unless `reference` is given."""
    if reference is None:
        reference = rendered()[path]
    others = {} if path == ADAPTER else {ADAPTER: rendered()[ADAPTER]}
    return check_rewrite(
        path,
        text,
        reference,
        facts=literal_facts(REQUIREMENTS, reference, "GITHUB"),
        pattern=PATTERN,
        others=others,
        addresses=requirement_addresses(REQUIREMENTS),
    )


def edit(path: str, anchor: str, replacement: str, *, after: str = "") -> str:
    """`path`'s rendered text with the first `anchor` (past `after`) replaced."""
    text = rendered()[path]
    start = text.index(after) if after else 0
    at = text.index(anchor, start)
    return text[:at] + replacement + text[at + len(anchor) :]


def insert(path: str, anchor: str, snippet: str, *, after: str = "") -> str:
    """`path`'s rendered text with `snippet` lines added after the line holding `anchor`,
    indented as that line is."""
    text = rendered()[path]
    start = text.index(after) if after else 0
    at = text.index(anchor, start)
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.index("\n", at) + 1
    line = text[line_start:line_end]
    indent = line[: len(line) - len(line.lstrip())]
    block = "".join(f"{indent}{line}\n" if line else "\n" for line in snippet.splitlines())
    return text[:line_end] + block + text[line_end:]

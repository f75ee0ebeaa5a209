"""Method names that read like the operation, as in hand-written SDKs.

`GET /repos/{owner}/{repo}/issues` → `list_issues`, `GET /repos/{owner}/{repo}` → `get_repo`,
`POST /repos/{owner}/{repo}/issues` → `create_issue`, `POST /charges/{id}/capture` →
`capture_charge`. The verb comes from the HTTP method and the path's shape, the noun from
the last static segment: singular when the path names one item (it ends with a
placeholder, or POST creates one), as written when it names a collection or a singleton
(`GET /user` → `get_user`). `PUT` replaces and `PATCH` updates, so an API with both on one
item gets two names; `POST` to an item updates it, as Stripe and OpenAI use it; `DELETE`,
`HEAD` and `OPTIONS` keep their own verb. Version segments (`v1`), file extensions
(`.json`) and segments without a letter are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from agentflow.patterns import identifier
from agentflow.patterns.api.inflection import is_plural, singular

__all__ = ["OperationName", "operation_name"]

_VERSION = re.compile(r"v\d+(?:[._]\d+)*(?:[a-z]+\d*)?", re.IGNORECASE)
# File extensions only: in `/chat.postMessage` the dot separates words of the name.
_EXTENSION = re.compile(r"\.(?:atom|csv|html?|json|jsonl|pdf|rss|txt|xml|ya?ml|zip)$", re.I)
# Verbs for a path that ends with a placeholder (one item) and for one that does not.
_ITEM_VERBS = {"GET": "get", "POST": "update", "PUT": "replace", "PATCH": "update"}
_STATIC_VERBS = {"POST": "create", "PUT": "replace", "PATCH": "update"}

# A path segment: a static word, or None for a segment holding a placeholder.
_Segment = str | None


@dataclass(frozen=True)
class OperationName:
    """A derived name, the same name qualified by the parent resource, and its verb.

    `qualified` (`list_repo_issues`) tells apart endpoints whose `name` (`list_issues`)
    collide; it equals `name` when the path has no parent resource. `verb` (`list`,
    `capture`) is the name without its noun, which a method of a resource object
    (`client.issues.list`) is called when it is unique there.
    """

    name: str
    qualified: str
    verb: str


def operation_name(method: str, path: str) -> OperationName:
    """The method name for `method path`; the HTTP method alone when the path has no word."""
    segments = _segments(path)
    words = [s for s in segments if s is not None]
    if not words:
        name = identifier(method)
        return OperationName(name, name, name)
    if _is_action(method, segments):
        verb, noun, parents = words[-1], _noun_of(words[:-1]), words[:-2]
    else:
        verb, noun, parents = _verb(method, segments), words[-1], words[:-1]
        if segments[-1] is None or verb == "create":
            noun = singular(noun)
    parent = singular(parents[-1]) if parents else ""
    return OperationName(_join(verb, noun), _join(verb, parent, noun), _join(verb))


def _segments(path: str) -> list[_Segment]:
    segments: list[_Segment] = []
    for raw in path.split("/"):
        if "{" in raw:
            segments.append(None)
            continue
        text = _EXTENSION.sub("", unquote(raw))
        word = identifier(text, fallback="_").strip("_")
        if not _VERSION.fullmatch(text) and any(c.isalpha() for c in word):
            segments.append(word)
    return segments


def _is_action(method: str, segments: list[_Segment]) -> bool:
    """`POST /charges/{id}/capture`: POST to a singular word right after a placeholder."""
    if method != "POST" or len(segments) < 2 or segments[-2] is not None:
        return False
    word = segments[-1]
    return word is not None and word[0].isalpha() and not is_plural(word)


def _verb(method: str, segments: list[_Segment]) -> str:
    last = segments[-1]
    if last is None:
        return _ITEM_VERBS.get(method, method.lower())
    if method == "GET":
        return "list" if is_plural(last) else "get"
    return _STATIC_VERBS.get(method, method.lower())


def _noun_of(words: list[str]) -> str:
    return singular(words[-1]) if words else ""


def _join(*parts: str) -> str:
    return identifier("_".join(part for part in parts if part))

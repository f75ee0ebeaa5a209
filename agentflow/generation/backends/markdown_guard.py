"""Markdown answers: no raw HTML, no script links, links and images only where the template points.

The guide is parsed with markdown-it (CommonMark, HTML on, every link scheme accepted so none
hides as text); each HTML block or inline tag, each link, image, autolink and reference
definition is compared with the template's. Entities that spell `<` or `>` and
`javascript:`/`vbscript:` anywhere in the text count too, since other renderers may decode
them. Bare URLs and hosts are left to the address check every file goes through, and so is a
link to an address that check has already reported: a link is reported here for what that
check cannot see (another scheme, `//host`, an address spelled with entities).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from agentflow.generation.backends.addresses import host_of_key, line_of, origin_of

__all__ = ["markdown_problems"]

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_WEB = frozenset({"http", "https"})
_HIDDEN = re.compile(r"[\x00-\x20\x7f]+")
_TAG_ENTITY = re.compile(r"(?i)&(?:lt|gt|#0*6[02]|#x0*3[ce]);?")
_SCRIPT_SCHEME = re.compile(r"(?i)(?:j\W*a\W*v\W*a|v\W*b)\W*s\W*c\W*r\W*i\W*p\W*t\s*:")


class _EveryLink(MarkdownIt):
    """CommonMark with HTML, accepting every link scheme so that none hides as text."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 - the name markdown-it calls
        return True


_PARSER = _EveryLink("commonmark", {"html": True})


def markdown_problems(path: str, text: str, reference: str, *, settled: set[str]) -> list[str]:
    """Why the Markdown `text` may not replace `reference`; `settled` holds the address keys
    (origins, `host:` names) not to report: the template's and the requirements', and those
    the address check already reported."""
    left = Counter((kind, value) for _, kind, value in _items(reference))
    problems = []
    for line, kind, value in _items(text):
        if left[kind, value] > 0:
            left[kind, value] -= 1
            continue
        reason = _reason(kind, value, settled)
        if reason:
            problems.append(f"{path}:{line}: {reason}: {value[:80]!r}")
    return problems


def _reason(kind: str, value: str, settled: set[str]) -> str | None:
    if kind not in ("link", "image"):
        return kind
    target = _HIDDEN.sub("", html.unescape(value)).lower()
    scheme = _SCHEME.match(target)
    if scheme is None and not target.startswith("//"):
        return None  # a link within the package or the page
    if scheme is not None and scheme.group(1) not in _WEB:
        return f"{kind} with the {scheme.group(1)}: scheme"
    origin = origin_of(target if scheme else f"https:{target}")
    if origin is not None and (
        origin in settled or (scheme is None and f"host:{host_of_key(origin)}" in settled)
    ):
        return None
    return f"{kind} to an address that is neither in the template nor the requirements"


def _items(text: str) -> Iterator[tuple[int, str, str]]:
    """(line, kind, value) of everything in `text` that needs the template's say-so."""
    env: dict[str, object] = {}
    for token in _PARSER.parse(text, env):
        line = token.map[0] + 1 if token.map else 0
        yield from _token_items(token, line)
    references = env.get("references", {})
    for ref in references.values() if isinstance(references, dict) else ():
        yield (ref.get("map") or [0])[0] + 1, "link", str(ref.get("href", ""))
    for match in _TAG_ENTITY.finditer(text):
        yield line_of(text, match.start()), "entity spelling a tag", match.group(0).lower()
    decoded = html.unescape(text)
    for match in _SCRIPT_SCHEME.finditer(decoded):
        yield line_of(decoded, match.start()), "script scheme", match.group(0).lower()


def _token_items(token: Token, line: int) -> Iterator[tuple[int, str, str]]:
    if token.type in ("html_block", "html_inline"):
        yield line, "raw HTML", token.content.strip()
    elif token.type == "link_open":
        yield line, "link", str(token.attrs.get("href", ""))
    elif token.type == "image":
        yield line, "image", str(token.attrs.get("src", ""))
    for child in token.children or ():
        yield from _token_items(child, line)

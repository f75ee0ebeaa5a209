"""Reusable evidence for pattern scoring: a bounded walk of a requirements mapping.

Requirements come straight from YAML, so anything may appear: nested lists, numbers, None,
non-string keys, recursive aliases, megabyte strings. `SpecView` walks the mapping once,
breadth-first (shallow keys win), within fixed limits, and offers the lookups every pattern
needs: keys, string values, URL schemes. `Scorecard` adds weighted signals into a clamped,
rounded score with one reason per signal. Values are never echoed in full: URLs lose their
credentials, query and fragment, and DSNs are named by scheme only.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import SplitResult, urlsplit

from agentflow.patterns.base import PatternMatch

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_TEXT",
    "Entry",
    "KeySignal",
    "Scorecard",
    "SpecView",
    "Text",
    "has_items",
    "is_collection",
    "redis_role",
    "show",
]

MAX_DEPTH = 8
MAX_NODES = 5000
MAX_TEXT = 2048
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]{0,30})://", re.IGNORECASE)
_SHOW_MAX = 60


@dataclass(frozen=True)
class Entry:
    """One mapping item: where it is, its lowercased key, its value, its nesting level.

    `level` counts enclosing mappings: 0 for a top-level key of the requirements.
    """

    path: str
    key: str
    value: Any
    level: int


@dataclass(frozen=True)
class Text:
    """A string value (or a string inside a list), the key it sits under and its level."""

    path: str
    key: str
    text: str
    level: int


def _label(key: str) -> str:
    """A short, printable rendering of a user-written key for use in reasons."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in key[:40])
    return printable + ("…" if len(key) > 40 else "")


class SpecView:
    """The requirements mapping, walked once within `MAX_DEPTH` and `MAX_NODES`."""

    def __init__(self, requirements: object) -> None:
        self.entries: list[Entry] = []
        self.texts: list[Text] = []
        if isinstance(requirements, Mapping):
            self._walk(requirements)

    def _walk(self, root: Mapping[Any, Any]) -> None:
        # (path, key, value, depth in containers, level of the key: 0 = top-level)
        queue: deque[tuple[str, str, Any, int, int]] = deque([("", "", root, 0, -1)])
        room = MAX_NODES  # nodes that may still be queued; bounds time and memory
        while queue:
            path, key, value, depth, level = queue.popleft()
            if isinstance(value, str):
                self.texts.append(Text(path, key, value[:MAX_TEXT].strip(), level))
            elif depth >= MAX_DEPTH:
                continue
            elif isinstance(value, Mapping):
                for child_key, child in _items(value, room):
                    child_path = f"{path}.{_label(child_key)}" if path else _label(child_key)
                    entry = Entry(child_path, child_key.lower(), child, level + 1)
                    self.entries.append(entry)
                    queue.append((child_path, entry.key, child, depth + 1, level + 1))
                    room -= 1
            elif isinstance(value, list | tuple):
                for index, item in enumerate(value[:room]):
                    queue.append((f"{path}[{index}]", key, item, depth + 1, level))
                    room -= 1

    def find(
        self, keys: Iterable[str], accepts: Callable[[Any], bool] | None = None
    ) -> Entry | None:
        """The shallowest entry whose key is one of `keys` and whose value `accepts` allows."""
        wanted = frozenset(keys)
        for entry in self.entries:
            if entry.key in wanted and (accepts or _not_none)(entry.value):
                return entry
        return None

    def has(self, keys: Iterable[str]) -> bool:
        """Whether any of `keys` appears with a value other than None."""
        return self.find(keys) is not None

    def urls(self) -> Iterator[tuple[Text, str, SplitResult]]:
        """Every string value that looks like a URL: (where, lowercase scheme, parts)."""
        for text in self.texts:
            match = _SCHEME.match(text.text)
            if match is None:
                continue
            try:
                parts = urlsplit(text.text)
            except ValueError:
                continue
            yield text, match[1].lower(), parts

    def first_scheme(self, schemes: Container[str]) -> tuple[Text, str] | None:
        """The first URL whose scheme (or base scheme before `+`) is in `schemes`."""
        for text, scheme, _ in self.urls():
            for candidate in (scheme, scheme.split("+", 1)[0]):
                if candidate in schemes:
                    return text, candidate
        return None

    def words(self, keys: Iterable[str]) -> Iterator[tuple[Text, str]]:
        """Lowercased whole string values held under any of `keys`."""
        wanted = frozenset(keys)
        for text in self.texts:
            if text.key in wanted:
                yield text, text.text.lower()


def _items(mapping: Mapping[Any, Any], limit: int) -> Iterator[tuple[str, Any]]:
    """Up to `limit` string-keyed items; other keys (numbers, None…) carry no signal."""
    try:
        items = list(islice(mapping.items(), limit))
    except Exception:  # a broken Mapping implementation must not break scoring
        return
    for key, value in items:
        if isinstance(key, str):
            yield key, value


def _not_none(value: Any) -> bool:
    return value is not None


def is_collection(value: Any) -> bool:
    """A non-empty list or mapping: what a declared set of tables, topics, metrics… is."""
    return isinstance(value, list | tuple | Mapping) and len(value) > 0


def has_items(value: Any) -> bool:
    """A name, a list of names or definitions, or a mapping of them (never numbers).

    So `buckets: [archive]` names buckets while a histogram's `buckets: [1, 5, 30]` does not.
    """
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return bool(value) and all(isinstance(item, str | Mapping) for item in value)
    return isinstance(value, Mapping) and len(value) > 0


def show(text: str) -> str:
    """A short quoted form of a value for reasons; URLs lose credentials, query, fragment."""
    if _SCHEME.match(text):
        try:
            parts = urlsplit(text)
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
            text = f"{parts.scheme}://{host}{port}{parts.path}"
        except ValueError:
            text = text.split("://", 1)[0] + "://…"
    if len(text) > _SHOW_MAX:
        text = text[: _SHOW_MAX - 1] + "…"
    return repr(text)


_REDIS = frozenset({"redis", "rediss"})
_REDIS_QUEUE_KEYS = (
    "streams",
    "stream",
    "queue",
    "queues",
    "consumer_group",
    "consumer_groups",
    "topics",
    "channels",
    "subjects",
)
_REDIS_STORE_KEYS = ("tables", "keys", "key_prefix", "cache", "ttl", "default_ttl")


def redis_role(view: SpecView) -> tuple[Text, str] | None:
    """Where a redis:// URL is and what it is used as: "queue", "store" or "either".

    Streams or queues without cache/key settings mean a broker; keys, a cache or a TTL
    without streams mean a data store; both or neither leave it open, and the other keys
    decide. Database and message_queue read the same answer, so they never both claim it.
    """
    found = view.first_scheme(_REDIS)
    if found is None:
        return None
    queue, store = view.has(_REDIS_QUEUE_KEYS), view.has(_REDIS_STORE_KEYS)
    kind = "queue" if queue and not store else "store" if store and not queue else "either"
    return found[0], kind


@dataclass(frozen=True)
class KeySignal:
    """Keys (synonyms, counted once) that are evidence for a pattern, and what they mean."""

    keys: tuple[str, ...]
    weight: float
    meaning: str
    accepts: Callable[[Any], bool] = _not_none


class Scorecard:
    """Weighted signals for one pattern, summed, clamped to [0, 1] and rounded.

    A signal found below the top level (`level` > 0) counts `NESTED` of its weight: keys
    under `auth:` in an API spec describe one aspect of it, not what the service is.
    """

    NESTED = 0.5

    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0.0
        self.reasons: list[str] = []

    def add(self, weight: float, reason: str, *, level: int = 0) -> None:
        """Count one signal: `weight` (negative counts against) and why."""
        self.total += weight * (self.NESTED if level > 0 else 1.0)
        self.reasons.append(reason)

    def add_keys(self, view: SpecView, signals: Iterable[KeySignal]) -> None:
        """Count each key signal whose keys appear in `view`."""
        for signal in signals:
            entry = view.find(signal.keys, signal.accepts)
            if entry is not None:
                self.add(signal.weight, f"{entry.path}: {signal.meaning}", level=entry.level)

    def add_word(
        self, view: SpecView, keys: Iterable[str], words: Container[str], reason: str
    ) -> None:
        """Count 0.3 for the first value under `keys` that is one of `words`.

        `reason` is formatted with `path` and `word`.
        """
        for text, word in view.words(keys):
            if word in words:
                self.add(0.3, reason.format(path=text.path, word=word), level=text.level)
                return

    def add_url_scheme(
        self, view: SpecView, schemes: frozenset[str], redis: Mapping[str, tuple[float, str]]
    ) -> None:
        """Score a connection URL's scheme; a redis:// URL by the role `redis_role` reads.

        `redis` maps each role ("queue", "store", "either") to a weight and what it means.
        """
        found = view.first_scheme(schemes)
        if found is not None:
            text, scheme = found
            self.add(0.6, f"{text.path} uses the {scheme}:// scheme")
            return
        role = redis_role(view)
        if role is not None:
            weight, meaning = redis[role[1]]
            if weight:
                self.add(weight, f"{role[0].path} uses the redis:// scheme ({meaning})")

    def match(self) -> PatternMatch:
        """The result; a score of 0 carries no reasons."""
        score = round(min(1.0, max(0.0, self.total)), 3)
        return PatternMatch(self.name, score, tuple(self.reasons) if score > 0 else ())

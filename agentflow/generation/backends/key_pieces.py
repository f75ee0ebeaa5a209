"""Provider keys as text to keep out of everything agentflow writes, shows or stores.

A key must not reach a generated file, the response cache, metadata.json or an error
message, whole or in part: a provider that echoes a key (or a 401 message quoting its first
characters) must not get even a piece of it written. Any run of eight (`_PIECE`) or more
characters of a key counts as a leak; `redact` replaces each such run with `[redacted]`.

The keys are those of every known provider variable that is set, plus any given explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

__all__ = ["ProviderKeys", "provider_keys"]

_PIECE = 8  # also the shortest key: shorter values would match ordinary words
_REDACTED = "[redacted]"


class ProviderKeys:
    """The keys to guard; a text leaks when it holds eight consecutive characters of one."""

    def __init__(self, keys: Iterable[str | None]) -> None:
        self._keys = tuple(sorted({k for k in keys if k and len(k) >= _PIECE}))
        self._pieces = frozenset(
            key[i : i + _PIECE] for key in self._keys for i in range(len(key) - _PIECE + 1)
        )

    def __bool__(self) -> bool:
        return bool(self._keys)

    def __repr__(self) -> str:
        return f"ProviderKeys({len(self._keys)} keys)"

    def leaks(self, text: str) -> bool:
        """Whether `text` holds a key or any eight-character piece of one."""
        return any(True for _ in self._spans(text))

    def redact(self, text: str) -> str:
        """`text` with every run covering a piece of a key replaced by `[redacted]`."""
        covered = [False] * len(text)
        for start in self._spans(text):
            covered[start : start + _PIECE] = [True] * _PIECE
        out, previous = [], False
        for char, hidden in zip(text, covered, strict=True):
            if not hidden:
                out.append(char)
            elif not previous:
                out.append(_REDACTED)
            previous = hidden
        return "".join(out)

    def _spans(self, text: str) -> Iterator[int]:
        """Start of each window of `text` that is a piece of a key."""
        if self._pieces:
            for i in range(len(text) - _PIECE + 1):
                if text[i : i + _PIECE] in self._pieces:
                    yield i


def provider_keys(*extra: str | None) -> ProviderKeys:
    """The keys of every known provider variable that is set, plus `extra`."""
    from agentflow.generation.backends.providers import PROVIDERS

    variables = sorted({info.api_key_env for info in PROVIDERS.values()})
    return ProviderKeys([*(os.environ.get(name) for name in variables), *extra])

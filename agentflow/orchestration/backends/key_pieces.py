"""Provider keys as text to keep out of everything agentflow writes, shows or stores.

A key must not reach a generated file, the response cache, metadata.json or an error
message, whole or in part: a provider that echoes a key (or a 401 message quoting its first
characters) must not get even a piece of it written. Any run of `PIECE` or more characters
of a key counts as a leak; `redact` replaces each such run with `[redacted]`.

The keys are those of every known provider variable that is set, plus any given explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

__all__ = ["PIECE", "REDACTED", "ProviderKeys", "provider_keys"]

PIECE = 8
REDACTED = "[redacted]"
# Shorter values are not treated as keys: they would match ordinary words.
_MIN_KEY = PIECE


class ProviderKeys:
    """The keys to guard; a text leaks when it holds `PIECE` consecutive characters of one."""

    def __init__(self, keys: Iterable[str | None]) -> None:
        self._keys = tuple(sorted({k for k in keys if k and len(k) >= _MIN_KEY}))
        self._pieces = frozenset(
            key[i : i + PIECE] for key in self._keys for i in range(len(key) - PIECE + 1)
        )

    def __bool__(self) -> bool:
        return bool(self._keys)

    def __repr__(self) -> str:
        return f"ProviderKeys({len(self._keys)} keys)"

    def leaks(self, text: str) -> bool:
        """Whether `text` holds a key or any `PIECE`-character piece of one."""
        return any(start is not None for start in self._spans(text))

    def redact(self, text: str) -> str:
        """`text` with every run covering a piece of a key replaced by `[redacted]`."""
        covered = [False] * len(text)
        for start in self._spans(text):
            if start is not None:
                covered[start : start + PIECE] = [True] * PIECE
        out, previous = [], False
        for char, hidden in zip(text, covered, strict=True):
            if not hidden:
                out.append(char)
            elif not previous:
                out.append(REDACTED)
            previous = hidden
        return "".join(out)

    def _spans(self, text: str) -> Iterable[int | None]:
        """Start of each window of `text` that is a piece of a key (None for the others)."""
        if not self._pieces:
            return ()
        return (
            i if text[i : i + PIECE] in self._pieces else None for i in range(len(text) - PIECE + 1)
        )


def provider_keys(*extra: str | None) -> ProviderKeys:
    """The keys of every known provider variable that is set, plus `extra`."""
    from agentflow.orchestration.backends.providers import PROVIDERS

    variables = sorted({info.api_key_env for info in PROVIDERS.values()})
    return ProviderKeys([*(os.environ.get(name) for name in variables), *extra])

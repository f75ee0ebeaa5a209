"""A thread-safe in-memory LRU cache whose entries expire after a TTL.

Bounded size keeps a long-running client's memory flat; the TTL keeps cached
service responses from going stale. Expired entries count as absent everywhere.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar

__all__ = ["CacheManager"]

V = TypeVar("V")
P = ParamSpec("P")

_DEFAULT_TTL = 300.0
_NOT_GIVEN: Any = (
    object()
)  # tells a TTL left out from None, which means "never expires"


class CacheManager(Generic[V]):
    """LRU cache of up to ``max_size`` entries, each living ``ttl`` seconds.

    ``ttl=None`` means entries never expire; ``default_ttl`` is another name for
    ``ttl`` (give one; 300 seconds when neither is given). When full, expired
    entries are dropped first, then the least recently used one.
    """

    def __init__(
        self,
        max_size: int = 1024,
        ttl: float | None = _NOT_GIVEN,
        *,
        default_ttl: float | None = _NOT_GIVEN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_size < 1:
            raise ValueError(f"max_size must be >= 1, got {max_size}")
        ttl = _one_ttl(ttl, default_ttl)
        _check_ttl(ttl)
        self.max_size = max_size
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[V, float | None]] = OrderedDict()

    def __repr__(self) -> str:
        return (
            f"CacheManager(max_size={self.max_size}, ttl={self.ttl}, size={len(self)})"
        )

    def __len__(self) -> int:
        with self._lock:
            self._purge_expired(self._clock())
            return len(self._entries)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        with self._lock:
            return self._lookup(key, touch=False) is not None

    def get(self, key: str, default: V | None = None) -> V | None:
        """The cached value, or ``default`` when absent or expired."""
        with self._lock:
            found = self._lookup(key, touch=True)
        return default if found is None else found[0]

    def set(self, key: str, value: V, *, ttl: float | None = None) -> None:
        """Store ``value``; ``ttl`` overrides the cache's default for this entry."""
        _check_ttl(ttl)
        lifetime = self.ttl if ttl is None else ttl
        with self._lock:
            now = self._clock()
            expires = None if lifetime is None else now + lifetime
            self._entries[key] = (value, expires)
            self._entries.move_to_end(key)
            if len(self._entries) > self.max_size:
                self._evict(now)

    def delete(self, key: str) -> bool:
        """Remove ``key``; True when a live entry was removed."""
        with self._lock:
            found = self._lookup(key, touch=False) is not None
            self._entries.pop(key, None)
            return found

    def clear(self) -> None:
        """Remove every entry."""
        with self._lock:
            self._entries.clear()

    def get_or_set(
        self, key: str, factory: Callable[[], V], *, ttl: float | None = None
    ) -> V:
        """The cached value, or ``factory()`` stored (for ``ttl`` seconds, the cache's
        own TTL when None) and returned on a miss.

        ``factory`` runs outside the lock so a slow call never blocks other keys;
        concurrent misses on the same key may each call it, and the last one wins.
        """
        with self._lock:
            cached = self._lookup(key, touch=True)
        if cached is not None:
            return cached[0]
        value = factory()
        self.set(key, value, ttl=ttl)
        return value

    def cached(
        self, ttl: float | None = None
    ) -> Callable[[Callable[P, V]], Callable[P, V]]:
        """Decorate a function so its results are kept here, ``ttl`` seconds each
        (the cache's own TTL when None).

        A call is keyed by the function's qualified name and the ``repr`` of its
        arguments, so arguments must have a ``repr`` that tells them apart. Like
        ``get_or_set``, concurrent first calls with the same arguments may each run.
        Coroutine functions are refused: cache what they return after awaiting.
        """
        _check_ttl(ttl)

        def decorator(fn: Callable[P, V]) -> Callable[P, V]:
            if inspect.iscoroutinefunction(fn):
                raise TypeError(
                    f"cached() cannot keep coroutines; {fn.__qualname__} is async"
                )
            name = f"{fn.__module__}.{fn.__qualname__}"

            @functools.wraps(fn)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> V:
                key = f"{name}{args!r}{sorted(kwargs.items())!r}"
                return self.get_or_set(
                    key, functools.partial(fn, *args, **kwargs), ttl=ttl
                )

            return wrapper

        return decorator

    def _lookup(self, key: str, *, touch: bool) -> tuple[V] | None:
        """The live value for ``key``, boxed so a cached None is not a miss.

        Caller holds the lock.
        """
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires is not None and self._clock() >= expires:
            del self._entries[key]
            return None
        if touch:
            self._entries.move_to_end(key)
        return (value,)

    def _purge_expired(self, now: float) -> None:
        expired = [
            key
            for key, (_, expires) in self._entries.items()
            if expires is not None and now >= expires
        ]
        for key in expired:
            del self._entries[key]

    def _evict(self, now: float) -> None:
        self._purge_expired(now)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)


def _one_ttl(ttl: float | None, default_ttl: float | None) -> float | None:
    """The TTL from ``ttl`` or its other name ``default_ttl``, at most one given."""
    if ttl is not _NOT_GIVEN and default_ttl is not _NOT_GIVEN:
        raise TypeError("give ttl or default_ttl (the same setting), not both")
    if ttl is not _NOT_GIVEN:
        return ttl
    return _DEFAULT_TTL if default_ttl is _NOT_GIVEN else default_ttl


def _check_ttl(ttl: float | None) -> None:
    if ttl is not None and not ttl > 0:
        raise ValueError(f"ttl must be positive or None, got {ttl}")

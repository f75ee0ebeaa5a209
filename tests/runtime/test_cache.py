"""LRU cache with TTL: expiry, eviction order and get_or_set."""

from __future__ import annotations

import pytest

from agentflow.runtime import CacheManager

from .fakes import FakeClock


def cache(clock: FakeClock, max_size: int = 3, ttl: float | None = 10.0) -> CacheManager[str]:
    return CacheManager(max_size, ttl, clock=clock)


@pytest.mark.parametrize(("max_size", "ttl"), [(0, 1.0), (1, 0.0), (1, -5.0)])
def test_rejects_invalid_settings(max_size: int, ttl: float) -> None:
    with pytest.raises(ValueError):
        CacheManager(max_size, ttl)


def test_set_get_and_default(clock: FakeClock) -> None:
    c = cache(clock)
    c.set("a", "1")
    assert c.get("a") == "1"
    assert c.get("missing") is None
    assert c.get("missing", "fallback") == "fallback"
    assert "a" in c and "missing" not in c and len(c) == 1


def test_entries_expire_after_ttl(clock: FakeClock) -> None:
    c = cache(clock, ttl=10.0)
    c.set("a", "1")
    clock.advance(9.99)
    assert c.get("a") == "1"
    clock.advance(0.01)
    assert c.get("a", "gone") == "gone"
    assert "a" not in c and len(c) == 0


def test_expired_entries_are_absent_from_len_and_contains(clock: FakeClock) -> None:
    c = cache(clock, ttl=5.0)
    c.set("old", "1")
    clock.advance(3.0)
    c.set("new", "2")
    clock.advance(2.0)
    assert len(c) == 1
    assert "old" not in c and "new" in c


def test_per_entry_ttl_overrides_the_default(clock: FakeClock) -> None:
    c = cache(clock, ttl=10.0)
    c.set("short", "1", ttl=1.0)
    c.set("long", "2", ttl=100.0)
    clock.advance(50.0)
    assert (c.get("short"), c.get("long")) == (None, "2")


def test_no_ttl_means_no_expiry(clock: FakeClock) -> None:
    c = cache(clock, ttl=None)
    c.set("a", "1")
    clock.advance(1e9)
    assert c.get("a") == "1"


def test_evicts_least_recently_used(clock: FakeClock) -> None:
    c = cache(clock, max_size=3)
    for key in ("a", "b", "c"):
        c.set(key, key.upper())
    assert c.get("a") == "A"  # a is now the most recently used
    c.set("d", "D")
    assert "b" not in c
    c.set("e", "E")
    assert "c" not in c
    assert [k for k in "abcde" if k in c] == ["a", "d", "e"]


def test_overwrite_refreshes_recency(clock: FakeClock) -> None:
    c = cache(clock, max_size=2)
    c.set("a", "1")
    c.set("b", "2")
    c.set("a", "3")
    c.set("c", "4")
    assert (c.get("a"), c.get("b"), c.get("c")) == ("3", None, "4")


def test_contains_does_not_refresh_recency(clock: FakeClock) -> None:
    c = cache(clock, max_size=2)
    c.set("a", "1")
    c.set("b", "2")
    assert "a" in c
    c.set("c", "3")
    assert "a" not in c and "b" in c


def test_full_cache_drops_expired_entries_before_live_ones(clock: FakeClock) -> None:
    c = cache(clock, max_size=2)
    c.set("oldest_live", "1", ttl=100.0)
    c.set("expiring", "2", ttl=1.0)
    clock.advance(2.0)
    c.set("new", "3")
    assert c.get("oldest_live") == "1" and c.get("new") == "3"


def test_delete_and_clear(clock: FakeClock) -> None:
    c = cache(clock, ttl=5.0)
    c.set("a", "1")
    c.set("b", "2")
    assert c.delete("a") is True
    assert c.delete("a") is False
    clock.advance(5.0)
    assert c.delete("b") is False  # expired entries are already gone
    c.set("c", "3")
    c.clear()
    assert len(c) == 0


def test_get_or_set_calls_the_factory_once(clock: FakeClock) -> None:
    c = cache(clock, ttl=10.0)
    calls: list[int] = []

    def factory() -> str:
        calls.append(1)
        return f"value{len(calls)}"

    assert c.get_or_set("k", factory) == "value1"
    assert c.get_or_set("k", factory) == "value1"
    clock.advance(10.0)
    assert c.get_or_set("k", factory) == "value2"
    assert len(calls) == 2


def test_cached_none_is_a_hit(clock: FakeClock) -> None:
    c: CacheManager[str | None] = CacheManager(clock=clock)
    c.set("k", None)
    assert "k" in c
    assert c.get_or_set("k", lambda: "computed") is None

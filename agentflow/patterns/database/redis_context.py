"""Template context of a Redis key-value package: every value `templates/database/redis/`
prints, ready-made.

Redis is not SQL, so it has its own context: the URL (never with a password), the key
prefix every key is namespaced by, the default expiry `set` applies, pool, timeout, retry and
breaker settings, and one `KeyView` per declared key family, sorted by name so the same
requirements always render the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentflow.patterns import pyrepr
from agentflow.patterns.database.connection import ConnectionSettings, connection_fields
from agentflow.patterns.database.keys import KeyFamily
from agentflow.patterns.database.requirements import DatabaseRequirements

__all__ = ["DEPENDENCIES", "TEST_DEPENDENCIES", "KeyView", "RedisContext", "redis_context"]

DEPENDENCIES = ("redis>=5",)
TEST_DEPENDENCIES = ("fakeredis>=2.41",)
_TESTED_ERRORS = (
    "AuthenticationError",
    "CommandError",
    "ConnectionError",
    "TimeoutError",
    "WatchError",
)
# What each declared value type is in Python, and a sample the generated tests store.
_PYTHON_TYPES = {"str": "str", "json": "Any", "int": "int"}
_SAMPLES: dict[str, Any] = {"str": "sample-text", "json": {"n": 1, "tags": ["a"]}, "int": 42}


@dataclass(frozen=True)
class KeyView:
    """A key family: its typed methods, the key pattern and the expiry of its keys."""

    name: str
    pattern: str
    fields: tuple[str, ...]
    ttl: int | None
    type: str
    description: str

    @property
    def pattern_literal(self) -> str:
        """The pattern as a Python string literal."""
        return pyrepr(self.pattern)

    @property
    def python_type(self) -> str:
        """The annotation of the values: `str`, `int` or `Any` (JSON)."""
        return _PYTHON_TYPES[self.type]

    @property
    def return_type(self) -> str:
        """What `get_<name>` returns: the type, or None for a missing key."""
        return "Any" if self.type == "json" else f"{self.python_type} | None"

    @property
    def params(self) -> str:
        """The fields as keyword-only parameters after `self`: `, *, id: str | int`."""
        return ", *" + "".join(f", {f}: str | int" for f in self.fields)

    @property
    def fields_mapping(self) -> str:
        """The fields as a dict display: `{"id": id}`."""
        return "{" + ", ".join(f"{pyrepr(f)}: {f}" for f in self.fields) + "}"

    @property
    def ttl_literal(self) -> str:
        """The family's expiry for the client: seconds, or None for the default."""
        return pyrepr(self.ttl)

    @property
    def test_args(self) -> str:
        """Keyword arguments the tests call with: `id="id-1", `."""
        return "".join(f"{f}={pyrepr(f + '-1')}, " for f in self.fields)

    @property
    def test_key(self) -> str:
        """The key (without the prefix) `test_args` address, as a literal."""
        key = self.pattern
        for field in self.fields:
            key = key.replace("{" + field + "}", field + "-1")
        return pyrepr(key)

    @property
    def sample(self) -> str:
        """A value of the family's type, as a literal."""
        return pyrepr(_SAMPLES[self.type])

    @property
    def summary(self) -> str:
        """One line for docstrings and the guide."""
        return self.description or f"Keys {self.pattern}, holding {self.type} values."


@dataclass(frozen=True)
class RedisContext(ConnectionSettings):
    """Everything the Redis templates lay out."""

    key_prefix: str
    default_ttl: int | None
    keys: tuple[KeyView, ...]
    engine: str = "redis"
    engine_name: str = "Redis"
    dependencies: tuple[str, ...] = DEPENDENCIES
    test_dependencies: tuple[str, ...] = TEST_DEPENDENCIES

    def imports(self, prefix: str, *, tests: bool = False) -> tuple[str, ...]:
        """What examples (or, with `tests`, the tests) import from the adapter, in the
        order ruff's isort wants: constants, then the rest, both ignoring case."""
        used = [f"Async{prefix}Client", f"{prefix}Client", f"{prefix}Error"]
        if tests:
            used += [f"{prefix}{s}" for s in ("Config", *_TESTED_ERRORS)]
            used += ["CircuitOpenError", "ConfigurationError", "PASSWORD_ENV", "URL_ENV"]
        constants = sorted((n for n in used if n.isupper()), key=str.lower)
        return (*constants, *sorted((n for n in used if not n.isupper()), key=str.lower))

    @property
    def default_ttl_literal(self) -> str:
        """The default expiry as a literal: seconds, or None (keys persist)."""
        return pyrepr(self.default_ttl)

    @property
    def default_ttl_text(self) -> str:
        """The default expiry in words, for the guide and config comments."""
        return f"{self.default_ttl} s" if self.default_ttl else "none (keys persist)"


def redis_context(
    requirements: DatabaseRequirements, *, slug: str, env_prefix: str, password_env: str
) -> RedisContext:
    """The context of validated Redis requirements; the prefix defaults to `<slug>:`."""
    families: list[KeyFamily] = sorted(requirements.keys, key=lambda k: k.name)
    settings = connection_fields(
        requirements,
        default_url="redis://localhost:6379/0",
        env_prefix=env_prefix,
        password_env=password_env,
    )
    return RedisContext(
        **settings,
        key_prefix=f"{slug}:" if requirements.key_prefix is None else requirements.key_prefix,
        default_ttl=requirements.default_ttl or None,
        keys=tuple(_view(family) for family in families),
    )


def _view(family: KeyFamily) -> KeyView:
    return KeyView(
        family.name,
        family.key_pattern,
        family.fields,
        family.ttl,
        family.type,
        family.description,
    )

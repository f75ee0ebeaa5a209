"""Typed key families of a Redis package: `keys:` in the database pattern's requirements.

`keys: [{name: session, pattern: "session:{id}", ttl: 3600, type: json}]` gives both clients
`get_session(id)`, `set_session(id, value)` and `delete_session(id)`; `keys: {session: json}`
is short for a family whose pattern is `session:{id}`. Patterns hold only safe key
characters and `{field}` placeholders, which become keyword parameters, so nothing from the
requirements file reaches generated code except as a literal.
"""

from __future__ import annotations

import keyword
import re
from typing import Any, Literal

from pydantic import Field, StrictInt, field_validator, model_validator

from agentflow.patterns import StrictModel

__all__ = ["KEY_TYPES", "KeyFamily", "key_families"]

KEY_TYPES = ("str", "json", "int")
KeyType = Literal["str", "json", "int"]
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_PATTERN = re.compile(r"^[A-Za-z0-9_:.{}-]{1,200}$")
_FIELD = re.compile(r"\{([^{}]*)\}")
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
# Names the generated methods already use, or `get_json`/`set_json` would be shadowed.
_RESERVED_NAMES = frozenset({"json"})
_RESERVED_FIELDS = frozenset({"self", "value", "ttl", "timeout", *keyword.kwlist})


class KeyFamily(StrictModel):
    """Keys of one shape and value type, with typed get/set/delete methods."""

    name: str
    pattern: str | None = None
    ttl: StrictInt | None = Field(default=None, ge=1, le=10 * 365 * 86_400)
    type: KeyType = "str"
    description: str = Field(default="", max_length=500)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        """`keys: [session]` is `[{name: session}]`."""
        return {"name": data} if isinstance(data, str) else data

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.match(name) or name in _RESERVED_NAMES:
            raise ValueError(
                f"{name!r} is not a usable key family name: lowercase letters, digits and "
                "underscores, starting with a letter, and not 'json'"
            )
        return name

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, pattern: str | None) -> str | None:
        if pattern is None:
            return None
        rest = _FIELD.sub("", pattern)
        if not _PATTERN.match(pattern) or "{" in rest or "}" in rest:
            raise ValueError(
                f"{pattern!r} is not a usable key pattern: letters, digits and _ : . - with "
                "{field} placeholders, such as 'session:{id}'"
            )
        fields = _FIELD.findall(pattern)
        for name in fields:
            if not _FIELD_NAME.match(name) or name in _RESERVED_FIELDS:
                raise ValueError(
                    f"{{{name}}} in {pattern!r} is not a usable field: a lowercase identifier "
                    f"other than {sorted(_RESERVED_FIELDS - set(keyword.kwlist))}"
                )
        if len(set(fields)) != len(fields):
            raise ValueError(f"{pattern!r} names a field twice")
        return pattern

    @property
    def key_pattern(self) -> str:
        """The pattern, `<name>:{id}` when none was given."""
        return self.pattern if self.pattern is not None else f"{self.name}:{{id}}"

    @property
    def fields(self) -> tuple[str, ...]:
        """The placeholders, in order: the methods' keyword parameters."""
        return tuple(_FIELD.findall(self.key_pattern))


def key_families(value: Any) -> Any:
    """`{session: json}` or `{session: {ttl: 60}}` as the list form; a list as it is."""
    if not isinstance(value, dict):
        return value
    families = []
    for name, spec in value.items():
        if isinstance(spec, str):
            families.append({"name": name, "type": spec})
        elif isinstance(spec, dict):
            families.append({**spec, "name": name})
        else:
            families.append({"name": name, "type": spec})
    return families

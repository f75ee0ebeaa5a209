"""Secrets read from the environment, and redaction of them from any text.

The manager remembers every value it hands out, so the same object can scrub
those values from error messages and log lines before they leave the process.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from typing import Literal, overload

from .errors import MissingSecretError

__all__ = ["REDACTED", "SecretManager"]

REDACTED = "***"


class SecretManager:
    """Reads secrets from environment variables and redacts the values it read.

    ``environ`` defaults to ``os.environ``, looked up at call time so variables
    exported after construction are seen. Values are stripped of surrounding
    whitespace (a trailing newline from a ``.env`` file is never part of a token).
    ``prefix`` is put before every name asked for: with ``prefix="APP_"``,
    ``get("API_KEY")`` reads ``APP_API_KEY``.
    """

    def __init__(
        self, environ: Mapping[str, str] | None = None, *, prefix: str = ""
    ) -> None:
        self._environ = environ
        self.prefix = prefix
        self._lock = threading.Lock()
        self._names: set[str] = set()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def __repr__(self) -> str:
        with self._lock:
            return f"SecretManager(read={sorted(self._names)!r})"

    @overload
    def get(self, name: str, *, required: Literal[True] = True) -> str: ...

    @overload
    def get(self, name: str, *, required: bool) -> str | None: ...

    def get(self, name: str, *, required: bool = True) -> str | None:
        """The value of ``name``; when unset or blank, ``MissingSecretError`` naming the
        variable (or None with ``required=False``)."""
        value = self.get_optional(name)
        if value is None and required:
            raise MissingSecretError(self.prefix + name)
        return value

    def get_optional(self, name: str) -> str | None:
        """The value of ``name``, or None when unset or blank."""
        if not name:
            raise ValueError("secret name must not be empty")
        variable = self.prefix + name
        environ = os.environ if self._environ is None else self._environ
        value = (environ.get(variable) or "").strip()
        if not value:
            return None
        self._remember(variable, value)
        return value

    def redact(self, text: str) -> str:
        """``text`` with every secret value read so far replaced by ``***``."""
        with self._lock:
            pattern = self._pattern
        return text if pattern is None else pattern.sub(REDACTED, text)

    def _remember(self, name: str, value: str) -> None:
        with self._lock:
            self._names.add(name)
            if value in self._values:
                return
            self._values.add(value)
            # Longest first, so a secret that contains another is removed whole.
            ordered = sorted(self._values, key=lambda v: (-len(v), v))
            self._pattern = re.compile("|".join(map(re.escape, ordered)))

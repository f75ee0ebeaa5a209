"""Hard-coded secret detection, shared by the API pattern's rules and the deploy gate.

A line is reported with the kind of secret it seems to hold (token-like literals assigned to
secret-sounding names, `Bearer <literal>`, provider key formats, credentials inside URLs,
private keys) and never with the value, so a finding can be shown and logged safely.
Placeholders and environment-variable names are not secrets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["SecretFinding", "find_secrets", "strip_url_password", "without_url_passwords"]

_PLACEHOLDER_WORDS = re.compile(
    r"(?i)fake|dummy|example|sample|placeholder|changeme|your|redacted|xxxx|\*\*\*"
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_SECRET_ASSIGNMENT = re.compile(r"""(?ix)
    ["']?\b[\w-]*(?:token|secret|passw(?:or)?d|api[_-]?key|access[_-]?key|credential)[\w-]*["']?
    \s*[:=]\s*
    [rbu]?["']([^"'\s]{16,})["']
    """)
_SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a Bearer token literal", re.compile(r"\bBearer\s+([A-Za-z0-9._~+/=-]{16,})")),
    ("an AWS access key", re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b")),
    ("a Stripe secret key", re.compile(r"\b([sr]k_(?:live|test)_[0-9A-Za-z]{10,})")),
    ("a GitHub token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{20,})")),
    ("a Slack token", re.compile(r"\b(xox[abprs]-[A-Za-z0-9-]{10,})")),
    ("credentials in a URL", re.compile(r"\bhttps?://[^/\s:@'\"]+:([^/\s@'\"]+)@")),
)
_URL_PASSWORD = re.compile(r"\b([a-z][a-z0-9+.-]*://[^/\s:@'\"]*):[^/\s@'\"]*@", re.IGNORECASE)
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")


@dataclass(frozen=True)
class SecretFinding:
    """A line that seems to hold a secret: where, and what kind (never the value)."""

    path: str
    line: int
    kind: str

    @property
    def message(self) -> str:
        """What the line seems to hold, without saying where."""
        return f"looks like a hard-coded secret ({self.kind})"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def find_secrets(path: str, text: str) -> list[SecretFinding]:
    """Every line of `text` (the file at `path`) that seems to hold a secret, in order."""
    return [
        SecretFinding(path, number, kind)
        for number, line in enumerate(text.splitlines(), start=1)
        if (kind := _secret_kind(line))
    ]


def _secret_kind(line: str) -> str | None:
    """What kind of secret `line` seems to hold, or None. The value is never returned."""
    if _PRIVATE_KEY.search(line):
        return "a private key"
    for match in _SECRET_ASSIGNMENT.finditer(line):
        value = match.group(1)
        if not _ENV_NAME.match(value) and _looks_real(value):
            return "a token-like value assigned to a secret name"
    for kind, pattern in _SECRET_PATTERNS:
        for match in pattern.finditer(line):
            if _looks_real(match.group(1)):
                return kind
    return None


def _looks_real(value: str) -> bool:
    """Placeholders and words without digits are not secrets."""
    if _PLACEHOLDER_WORDS.search(value):
        return False
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def strip_url_password(url: str) -> tuple[str, bool]:
    """`url` without the password of its user part (host and port as written), and whether
    it had one: a connection URL in a requirements file may carry one, never written back."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url, False
    user = userinfo.partition(":")[0]
    netloc = f"{user}@{host}" if user else host
    return urlunsplit(parts._replace(netloc=netloc)), True


def without_url_passwords(value: Any) -> Any:
    """`value` (strings, lists and dicts, nested) with every `scheme://user:password@` in a
    string reduced to `scheme://user@`, for records such as metadata.json that repeat the
    input: a requirements file may hold such a URL, which is never written back."""
    if isinstance(value, str):
        return _URL_PASSWORD.sub(r"\1@", value)
    if isinstance(value, list):
        return [without_url_passwords(item) for item in value]
    if isinstance(value, dict):
        return {key: without_url_passwords(item) for key, item in value.items()}
    return value

"""Network addresses a text names: URLs, protocol-relative `//host`, bare hosts, IP addresses.

A model may not point a package anywhere new: every address an answer names must be one the
rendered template or the requirements name. URLs are compared by origin (scheme, host,
port), so a link to another page of the same service is fine but `http://` for `https://`
is not; a bare host (`"evil.example"`, `host = 10.0.0.1`, `base_url: evil.example` in a
YAML or TOML snippet) by host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "Address",
    "addresses_in_string",
    "addresses_in_text",
    "allowed_keys",
    "host_of_key",
    "line_of",
    "origin_of",
]

_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s'\"<>)`\]]*")
_RELATIVE = re.compile(r"(?i)(?<![\w:/])//([a-z0-9.-]+\.[a-z]{2,}|\d{1,3}(?:\.\d{1,3}){3})")
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?(?![\w.])")
_LOCALHOST = re.compile(r"(?i)\blocalhost:\d+")
_WWW = re.compile(r"(?i)(?<![\w./])www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_HOST = re.compile(r"(?i)^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.([a-z]{2,})(?::\d+)?$")
_SETTING = re.compile(
    r"(?im)\b(?:base_?url|host(?:name)?|url|endpoint|server|proxy)[\"']?\s*[:=]\s*[\"']?"
    r"([^\s\"',}\]]+)"
)
# Suffixes of file names and code, not top-level domains.
_NOT_TLDS = frozenset(
    {"cfg", "css", "html", "ini", "js", "json", "lock", "md", "py", "pyi", "sh", "toml", "txt"}
    | {"yaml", "yml"}
)


@dataclass(frozen=True)
class Address:
    """One address as written (`text`), what it is compared by (`key`), and its line."""

    text: str
    key: str
    line: int


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, lower-cased; None when it has no host."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    userinfo = "@" if "@" in parts.netloc else ""
    suffix = f":{port}" if port is not None else ""
    return f"{parts.scheme.lower()}://{userinfo}{host.lower()}{suffix}"


def addresses_in_text(text: str, *, settings: bool = True) -> Iterator[Address]:
    """URLs, `www.` hosts, IP addresses and `localhost:port` anywhere in free text, plus the
    values of `host`/`url`/`base_url` settings when `settings` is on."""
    for match in _URL.finditer(text):
        yield _url(match.group(0), line_of(text, match.start()))
    for pattern in (_IPV4, _LOCALHOST, _WWW):
        for match in pattern.finditer(text):
            host = match.group(0).split(":")[0].lower()
            yield Address(match.group(0), f"host:{host}", line_of(text, match.start()))
    if settings:
        for match in _SETTING.finditer(text):
            yield from _setting(match.group(1), line_of(text, match.start()))


def addresses_in_string(value: str, line: int) -> Iterator[Address]:
    """Addresses in one string constant: as in text, plus `//host` and a whole-string host."""
    for address in addresses_in_text(value):
        yield Address(address.text, address.key, line + address.line - 1)
    for match in _RELATIVE.finditer(value):
        yield Address(match.group(0), f"host:{match.group(1).lower()}", line)
    host = _bare_host(value.strip())
    if host:
        yield Address(value.strip(), f"host:{host}", line)


def allowed_keys(addresses: Iterable[Address]) -> set[str]:
    """What the addresses of the template and requirements allow: their keys and hosts."""
    keys: set[str] = set()
    for address in addresses:
        keys.add(address.key)
        host = host_of_key(address.key)
        if host:
            keys.add(f"host:{host}")
    return keys


def _url(text: str, line: int) -> Address:
    origin = origin_of(text)
    return Address(text, origin if origin else f"url:{text.lower()}", line)


def _setting(value: str, line: int) -> Iterator[Address]:
    if "://" in value:
        return  # a URL, found as one
    host = _bare_host(value)
    if host:
        yield Address(value, f"host:{host}", line)


def _bare_host(value: str) -> str | None:
    match = _HOST.match(value)
    if match and match.group(1).lower() not in _NOT_TLDS:
        return value.split(":")[0].lower()
    if _IPV4.fullmatch(value) or re.fullmatch(r"(?i)localhost(?::\d+)?", value):
        return value.split(":")[0].lower()
    return None


def host_of_key(key: str) -> str | None:
    """The host an address key (`host:…` or an origin, user info and port aside) names."""
    if key.startswith("host:"):
        return key[5:]
    if "://" in key:
        return key.split("://", 1)[1].lstrip("@").split(":")[0] or None
    return None


def line_of(text: str, offset: int) -> int:
    """The 1-based line of `text` holding the character at `offset`."""
    return text.count("\n", 0, offset) + 1

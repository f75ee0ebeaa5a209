"""Safe names: package slugs, Python identifiers and class names derived from user text.

Whatever a user writes, the results here are plain ASCII identifiers that are not keywords,
do not start with a digit and do not collide with each other, so they can be placed in code
and in file names without escaping and can never climb out of a directory.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "adapter_module",
    "class_name",
    "identifier",
    "is_adapter_file",
    "package_names",
    "slugify",
    "unique_identifiers",
]

_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _ascii_words(text: str, *, split_camel: bool = True) -> list[str]:
    """Split text into ASCII words, folding accents (é → e) and optionally camelCase."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    if split_camel:
        folded = _CAMEL_BOUNDARY.sub(" ", folded)
    return [word for word in _NON_WORD.split(folded) if word]


def slugify(text: str) -> str:
    """The package slug for a service name: `GitHub` → `github`, `Google Cloud` → `google_cloud`.

    Returns "" when the text has no ASCII letter or digit. A leading digit gets a `svc_` prefix
    so the slug is also a module-name prefix.
    """
    words = _ascii_words(text, split_camel=False)
    slug = "_".join(words).lower()[:60].strip("_")
    if slug and slug[0].isdigit():
        slug = f"svc_{slug}"
    return slug


def identifier(
    text: str, *, fallback: str = "value", reserved: frozenset[str] | None = None
) -> str:
    """A snake_case Python identifier for arbitrary text; keywords and `reserved` names
    (builtins and the clients' own, by default) get a trailing underscore."""
    name = "_".join(_ascii_words(text)).lower() or fallback
    if name[0].isdigit():
        name = f"_{name}"
    reserved = _RESERVED if reserved is None else reserved
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in reserved:
        name = f"{name}_"
    return name


def class_name(text: str, *, fallback: str = "Service") -> str:
    """A CapWords class-name prefix: `stripe payments` → `StripePayments`, `GitHub` stays."""
    words = _ascii_words(text, split_camel=False)
    name = "".join(word[0].upper() + word[1:] for word in words) or fallback
    return f"_{name}" if name[0].isdigit() else name


def unique_identifiers(
    texts: Iterable[str], *, taken: Iterable[str] = (), reserved: frozenset[str] | None = None
) -> list[str]:
    """Sanitize each text into an identifier, suffixing `_2`, `_3`… to resolve collisions."""
    used = set(taken)
    result = []
    for text in texts:
        base = identifier(text, reserved=reserved)
        name, counter = base, 2
        while name in used:
            name, counter = f"{base}_{counter}", counter + 1
        used.add(name)
        result.append(name)
    return result


# Names that would shadow builtins or the generated client's own attributes.
_RESERVED = frozenset(
    {
        "self",
        "cls",
        "type",
        "id",
        "list",
        "dict",
        "str",
        "int",
        "float",
        "bool",
        "bytes",
        "object",
        "print",
        "input",
        "format",
        "hash",
        "iter",
        "next",
        "len",
        "min",
        "max",
        "sum",
        "filter",
        "map",
        "range",
        "open",
        "vars",
        "dir",
        "help",
    }
)


def adapter_module(slug: str) -> str:
    """The import name of a package's adapter: `github_adapter` for the slug `github`."""
    return f"{slug}_adapter"


def is_adapter_file(path: str) -> bool:
    """Whether a package file is an adapter module (`<slug>_adapter.py`, not its tests)."""
    name = path.rpartition("/")[2]
    return name.endswith("_adapter.py") and not name.startswith("test_")


def package_names(slug: str) -> dict[str, str]:
    """Module, helper-package and distribution names for `slug`; unique per service."""
    return {
        "module": adapter_module(slug),
        "utils_module": f"{slug}_utils",
        "test_module": f"test_{adapter_module(slug)}",
        "distribution": f"{slug.replace('_', '-')}-integration",
        "env_prefix": slug.upper(),
    }

"""Reading a generated package from disk: its metadata and the files it is made of."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentflow.errors import InputError
from agentflow.naming import adapter_module, package_names
from agentflow.package.metadata import METADATA_FILE, load_metadata

__all__ = ["PackageInfo", "load_package"]

_HINT = "pass the folder of a package made by `agentflow integrate create`"


@dataclass(frozen=True)
class PackageInfo:
    """A package directory and the parts of its metadata validation relies on."""

    root: Path
    slug: str
    pattern: str
    metadata: dict[str, Any]

    @property
    def adapter_module(self) -> str:
        """The adapter's import name, e.g. `github_adapter`."""
        return adapter_module(self.slug)

    @property
    def own_modules(self) -> tuple[str, ...]:
        """What the package's tests must cover: the adapter, and its helper package
        (`github_utils`) when it has one, since that code ships in its wheel too."""
        helpers = package_names(self.slug)["utils_module"]
        if (self.root / helpers).is_dir():
            return (self.adapter_module, helpers)
        return (self.adapter_module,)


def load_package(path: Path) -> PackageInfo:
    """Read `path/metadata.json`; an `InputError` says what is wrong and what to do."""
    if not path.is_dir():
        raise InputError(f"{path} is not a directory; {_HINT}")
    metadata_path = path / METADATA_FILE
    if not metadata_path.is_file():
        raise InputError(
            f"{path} has no {METADATA_FILE}, so it is not a generated package; {_HINT}, "
            "or regenerate it"
        )
    metadata = load_metadata(path)
    slug = _required_text(metadata, "slug", metadata_path)
    if not slug.isidentifier():
        raise InputError(
            f"{metadata_path}: 'slug' must be a Python identifier, got {slug!r}; regenerate "
            "the package"
        )
    pattern = _required_text(metadata, "pattern", metadata_path)
    return PackageInfo(root=path, slug=slug, pattern=pattern, metadata=metadata)


def _required_text(metadata: dict[str, Any], key: str, metadata_path: Path) -> str:
    value = metadata.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(
            f"{metadata_path}: missing or empty {key!r}; restore it or regenerate the package"
        )
    return value

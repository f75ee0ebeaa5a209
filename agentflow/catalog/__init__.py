"""The service catalog: well-known services as plain requirements files shipped with agentflow.

Each entry is one requirements file, `entries/<slug>.yaml`, in the format any user writes
(README: "A requirements file"), so that adding a service is a pull request adding one file:
the folder is scanned and no code names an entry. The slug is the file name, the short name
users type (`s3`); the service name (`Amazon S3`) is the file's `service:`.

A name is looked up among the entries the scan found, never turned into a path, so a name
such as `../x` or `/etc/passwd` can only be unknown; files in the folder that are not
`<lowercase slug>.yaml`, or are symlinks, are not entries.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentflow.errors import Diagnostic, PatternUnavailableError, SpecError, UnknownServiceError
from agentflow.naming import slugify
from agentflow.patterns.base import select_pattern
from agentflow.spec.loader import SpecDocument, parse_spec

__all__ = [
    "ENTRIES_DIR",
    "CatalogEntry",
    "find_entry",
    "list_entries",
]

ENTRIES_DIR = Path(__file__).resolve().parent / "entries"
_ENTRY_FILE = re.compile(r"[a-z0-9][a-z0-9_]*\.yaml")
_MAX_NAME = 100  # the longest service name a requirements file accepts
_SHOWN_MAX = 60


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog entry: how it is named, which pattern it selects, and its file's text."""

    slug: str
    name: str
    pattern: str
    description: str
    generates: bool
    address: str | None
    path: Path
    text: str

    def document(self) -> SpecDocument:
        """The entry validated like any requirements file, diagnostics naming its file."""
        return parse_spec(self.text, source=str(self.path))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no text): what `agentflow integrate catalog --json` prints."""
        return {
            "name": self.name,
            "slug": self.slug,
            "pattern": self.pattern,
            "description": self.description,
            "generates": self.generates,
            "address": self.address,
        }


def list_entries(*, directory: Path | None = None) -> list[CatalogEntry]:
    """Every entry of the catalog (or of `directory`), sorted by slug.

    Each file is loaded with the project's loader, its pattern selected as `create` would and
    its requirements checked by that pattern's model, so a broken entry is a `SpecError`
    naming the file and line, never a silent omission.
    """
    folder = ENTRIES_DIR if directory is None else directory
    return [_entry(path) for path in _entry_files(folder)]


def find_entry(name: str, *, directory: Path | None = None) -> CatalogEntry:
    """The entry whose slug or service name is `name`, ignoring case and outer spaces.

    `GitHub`, `github`, `Amazon S3`, `amazon_s3` and `s3` all work. Anything else raises
    `UnknownServiceError` listing the nearest entries.
    """
    entries = list_entries(directory=directory)
    wanted = name.strip().casefold()
    for entry in entries:
        if wanted in _keys(entry):
            return entry
    raise _unknown(name, entries)


def _entry_files(folder: Path) -> list[Path]:
    """The entry files of `folder`: plain `<slug>.yaml` files, no links, sorted by name."""
    return sorted(
        path
        for path in folder.iterdir()
        if _ENTRY_FILE.fullmatch(path.name) and not path.is_symlink() and path.is_file()
    )


def _entry(path: Path) -> CatalogEntry:
    """One entry file, checked as `create` would check it, with its pattern's verdict."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = Diagnostic(exc.strerror or "cannot be read", file=str(path))
        raise SpecError(f"cannot read catalog entry {path}", diagnostics=(problem,)) from exc
    document = parse_spec(raw, source=str(path))
    spec = document.spec
    pattern, _ = select_pattern(spec.requirements, explicit_type=spec.type)
    requirements = None
    if pattern.requirements_model is not None:
        requirements = document.validate_requirements(pattern.requirements_model)
    try:
        pattern.ensure_available(requirements)
        generates = True
    except PatternUnavailableError:
        generates = False
    return CatalogEntry(
        slug=path.stem,
        name=spec.service,
        pattern=pattern.name,
        description=spec.description,
        generates=generates,
        address=_address(spec.requirements),
        path=path,
        text=raw.decode("utf-8"),
    )


def _address(requirements: dict[str, Any]) -> str | None:
    """Where the service lives: the first URL among the top-level requirements."""
    for value in requirements.values():
        if isinstance(value, str) and "://" in value:
            return value
    return None


def _keys(entry: CatalogEntry) -> set[str]:
    """The names an entry answers to, casefolded."""
    return {entry.slug, entry.name.casefold(), slugify(entry.name)}


def _unknown(name: str, entries: list[CatalogEntry]) -> UnknownServiceError:
    """The error for a name no entry answers to, with the nearest entries' names."""
    listing = "`agentflow integrate catalog` lists every entry"
    wanted = name.strip().casefold()
    if not wanted:
        return UnknownServiceError(f"a service name is required; {listing}")
    owners = {key: entry.name for entry in entries for key in sorted(_keys(entry))}
    close = difflib.get_close_matches(wanted[:_MAX_NAME], list(owners), n=6, cutoff=0.7)
    suggestions = tuple(dict.fromkeys(owners[key] for key in close))[:3]
    hint = f"did you mean {' or '.join(suggestions)}? " if suggestions else ""
    return UnknownServiceError(
        f"{_shown(name)} is not in the service catalog; {hint}{listing}",
        suggestions=suggestions,
    )


def _shown(name: str) -> str:
    """`name` quoted for a message: control characters escaped, long names shortened."""
    if len(name) > _SHOWN_MAX:
        return repr(name[: _SHOWN_MAX - 3] + "...")
    return repr(name)

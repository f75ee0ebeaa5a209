"""The API pattern's own rules for generated code (placeholder until the templates land)."""

from __future__ import annotations

from collections.abc import Mapping


def check_api_package(files: Mapping[str, str]) -> list[str]:
    """Problems found in an API package's files."""
    return []

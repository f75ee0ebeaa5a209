"""Fixtures for validation tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from .packages import PackageFactory, write_package


@pytest.fixture
def make_package(tmp_path: Path) -> PackageFactory:
    """Factory writing a fresh demo package under a new folder of `tmp_path`."""
    counter = iter(range(1000))

    def make(overrides: Mapping[str, str | None] | None = None, **kwargs: str) -> Path:
        return write_package(tmp_path / f"pkg{next(counter)}", overrides, **kwargs)

    return make

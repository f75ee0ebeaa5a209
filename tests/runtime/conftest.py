"""Fixtures for the runtime helper tests."""

from __future__ import annotations

import pytest

from .fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock whose ``sleep`` advances it instead of waiting."""
    return FakeClock()

"""Shared test set-up: the suite keeps agentflow's caches in a private folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir() -> Iterator[None]:
    folder = tempfile.mkdtemp(prefix="agentflow-test-cache-")
    previous = os.environ.get("AGENTFLOW_CACHE_DIR")
    os.environ["AGENTFLOW_CACHE_DIR"] = folder
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("AGENTFLOW_CACHE_DIR", None)
        else:
            os.environ["AGENTFLOW_CACHE_DIR"] = previous
        shutil.rmtree(folder, ignore_errors=True)

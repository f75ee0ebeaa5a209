"""The helper folder is copied verbatim into generated packages; keep it copyable.

Every module may import only the standard library and its siblings (relatively),
must parse as Python 3.10, and the package's public surface is a fixed contract.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import agentflow.runtime as utils

UTILS_DIR = Path(utils.__file__).parent
MODULES = sorted(UTILS_DIR.glob("*.py"))

PUBLIC_API = {
    "IntegrationError",
    "ConfigurationError",
    "MissingSecretError",
    "CircuitOpenError",
    "RetryExhaustedError",
    "ErrorHandler",
    "RetryPolicy",
    "RETRY_STATUSES",
    "parse_retry_after",
    "retry_after_from",
    "should_retry_header",
    "retry_exponential",
    "RateLimiter",
    "CircuitBreaker",
    "OperationMetrics",
    "MetricsCollector",
    "SecretManager",
    "CacheManager",
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """``(level, module)`` for every import statement in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), feature_version=(3, 10))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def test_the_folder_has_the_expected_modules() -> None:
    names = {path.stem for path in MODULES}
    expected = {"errors", "retry", "rate_limiter", "circuit_breaker", "metrics"}
    assert names >= expected | {"__init__", "secrets", "cache"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_imports_only_stdlib_and_siblings(path: Path) -> None:
    siblings = {p.stem for p in MODULES}
    for level, module in imports_of(path):
        if level:
            assert level == 1 and module.split(".")[0] in siblings, (level, module)
        else:
            top = module.split(".")[0]
            assert top == "__future__" or top in sys.stdlib_module_names, module


def test_public_all_is_the_contract() -> None:
    assert set(utils.__all__) == PUBLIC_API
    assert len(utils.__all__) == len(PUBLIC_API)


@pytest.mark.parametrize("name", sorted(PUBLIC_API))
def test_public_names_exist_and_are_documented(name: str) -> None:
    obj = getattr(utils, name)
    assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import github_utils, stripe_utils

@github_utils.retry_exponential(2, sleep=lambda seconds: None)
def always_fails():
    raise ValueError("down")

try:
    always_fails()
except github_utils.RetryExhaustedError as exc:
    attempts = exc.attempts
print(json.dumps({
    "agentflow_loaded": any(m.split(".")[0] == "agentflow" for m in sys.modules),
    "distinct": github_utils.IntegrationError is not stripe_utils.IntegrationError,
    "all": sorted(github_utils.__all__),
    "attempts": attempts,
}))
"""


def test_copies_run_without_agentflow_and_do_not_collide(tmp_path: Path) -> None:
    for slug in ("github", "stripe"):
        target = tmp_path / f"{slug}_utils"
        target.mkdir()
        for path in MODULES:
            shutil.copy(path, target / path.name)
    # -I -S: no site-packages, so only the standard library is importable.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report == {
        "agentflow_loaded": False,
        "distinct": True,
        "all": sorted(PUBLIC_API),
        "attempts": 2,
    }

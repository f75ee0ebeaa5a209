"""The helper package a generated package gets: the runtime modules it uses, nothing more."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import agentflow.runtime as runtime
from agentflow.errors import PluginError
from agentflow.generation.support import shipped_modules, support_files
from agentflow.patterns.api.pattern import ApiPattern

GITHUB = Path(__file__).resolve().parents[2] / "integrations" / "github"
ALL_MODULES = sorted(p.stem for p in Path(runtime.__file__).parent.glob("*.py"))
ALL_MODULES.remove("__init__")


def _import_all(files: dict[str, str], folder: Path, package: str) -> list[str]:
    """`package.__all__` once `files` are written to `folder`, with the stdlib alone."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    probe = f"import json, sys; sys.path.insert(0, {str(folder)!r}); import {package}; "
    probe += f"print(json.dumps({package}.__all__))"
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_a_module_ships_with_the_siblings_it_imports() -> None:
    assert shipped_modules(["retry_decorator"]) == ("errors", "retry", "retry_decorator")
    assert shipped_modules(["secrets", "metrics"]) == ("errors", "metrics", "secrets")
    assert shipped_modules([]) == ()


def test_an_unknown_module_is_a_plugin_error_naming_it() -> None:
    with pytest.raises(PluginError, match="'caching'.*choose from: cache, circuit_breaker"):
        shipped_modules(["retry", "caching"])


def test_nothing_ships_when_no_module_is_declared() -> None:
    assert support_files("demo_utils", ()) == {}


def test_the_helper_package_holds_only_what_ships_and_exports_only_that(
    tmp_path: Path,
) -> None:
    files = support_files("demo_utils", ["retry"])
    assert sorted(files) == [
        "demo_utils/__init__.py",
        "demo_utils/py.typed",
        "demo_utils/retry.py",
        "py.typed",
    ]
    assert files["py.typed"] == files["demo_utils/py.typed"] == ""
    source = Path(runtime.__file__).with_name("retry.py").read_text(encoding="utf-8")
    assert files["demo_utils/retry.py"] == source
    assert _import_all(files, tmp_path, "demo_utils") == [
        "RETRY_STATUSES",
        "RetryPolicy",
        "parse_retry_after",
        "retry_after_from",
        "should_retry_header",
    ]


def test_without_the_full_forms_the_package_exports_the_core_classes(tmp_path: Path) -> None:
    files = support_files("demo_utils", ["circuit_breaker", "metrics", "rate_limiter"])
    init = files["demo_utils/__init__.py"]
    assert "from .circuit_breaker import CircuitBreaker\n" in init
    assert "from .metrics import MetricsCollector, OperationMetrics\n" in init
    assert "from .rate_limiter import RateLimiter\n" in init
    assert _import_all(files, tmp_path, "demo_utils") == [
        "CircuitBreaker",
        "CircuitOpenError",
        "ConfigurationError",
        "IntegrationError",
        "MetricsCollector",
        "MissingSecretError",
        "OperationMetrics",
        "RateLimiter",
    ]


def test_a_full_form_ships_with_the_core_class_it_extends(tmp_path: Path) -> None:
    files = support_files("demo_utils", ["rate_limiter_forms"])
    assert sorted(files) == [
        "demo_utils/__init__.py",
        "demo_utils/py.typed",
        "demo_utils/rate_limiter.py",
        "demo_utils/rate_limiter_forms.py",
        "py.typed",
    ]
    assert "from .rate_limiter_forms import RateLimiter\n" in files["demo_utils/__init__.py"]
    assert _import_all(files, tmp_path, "demo_utils") == ["RateLimiter"]


def test_with_every_module_the_package_exports_what_agentflow_runtime_does(
    tmp_path: Path,
) -> None:
    files = support_files("every_utils", ALL_MODULES)
    assert _import_all(files, tmp_path, "every_utils") == sorted(runtime.__all__)


def test_the_api_pattern_declares_exactly_the_helpers_its_adapter_imports() -> None:
    tree = ast.parse((GITHUB / "github_adapter.py").read_text(encoding="utf-8"))
    imported = {
        node.module.removeprefix("github_utils.")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("github_utils.")
    }
    assert imported == set(ApiPattern.runtime_modules)
    shipped = {p.stem for p in (GITHUB / "github_utils").glob("*.py")} - {"__init__"}
    assert shipped == set(shipped_modules(ApiPattern.runtime_modules))
    unused = {"cache", "error_handler", "retry_decorator"}
    unused |= {"circuit_breaker_calls", "metrics_reports", "rate_limiter_forms"}
    assert not unused & shipped

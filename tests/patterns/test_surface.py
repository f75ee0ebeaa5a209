"""The plugin surface: `agentflow.patterns` is all a pattern, built-in or not, imports."""

from __future__ import annotations

import ast
from pathlib import Path

import agentflow.patterns as patterns
import agentflow.patterns.builtin as builtin

PATTERNS_DIR = Path(patterns.__file__).parent
# Modules a pattern folder may import from agentflow: the surface, the scoring helpers and
# the schema language the patterns share.
SURFACE = {"agentflow.patterns", "agentflow.patterns.schemas", "agentflow.patterns.signals"}


def test_the_surface_exports_exactly_its_documented_names() -> None:
    assert sorted(patterns.__all__) == [
        "Diagnostic",
        "ENTRY_POINT_GROUP",
        "Function",
        "IntegrationPattern",
        "Mutant",
        "MutationError",
        "PatternMatch",
        "PatternUnavailableError",
        "RUNTIME_NAMES",
        "STANDARD_SUBTASKS",
        "SpecError",
        "StrictModel",
        "Subtask",
        "adapter_module",
        "class_name",
        "find_secrets",
        "identifier",
        "is_adapter_file",
        "load_patterns",
        "package_names",
        "parse_python",
        "pyrepr",
        "replace_body",
        "rewrite",
        "score_patterns",
        "select_pattern",
        "strip_url_password",
        "unique_identifiers",
    ]
    for name in patterns.__all__:
        assert getattr(patterns, name) is not None


def _agentflow_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "agentflow"}


def test_built_in_patterns_import_only_the_surface_and_their_own_folder() -> None:
    folders = sorted({cls.__module__.split(".")[2] for cls in builtin.BUILTIN_PATTERNS})
    assert folders == ["api", "auth", "database", "file_storage", "message_queue", "monitoring"]
    for folder in folders:
        own = f"agentflow.patterns.{folder}"
        for module in sorted((PATTERNS_DIR / folder).glob("*.py")):
            outside = {
                name
                for name in _agentflow_imports(module)
                if name not in SURFACE and name != own and not name.startswith(own + ".")
            }
            assert not outside, f"{module.relative_to(PATTERNS_DIR)} imports {sorted(outside)}"


def test_the_guides_import_paths_still_work() -> None:
    from agentflow.orchestration.integration_patterns import IntegrationPattern
    from agentflow.orchestration.utils import RateLimiter, retry_exponential
    from agentflow.runtime import RateLimiter as runtime_limiter

    assert IntegrationPattern is patterns.IntegrationPattern
    assert RateLimiter is runtime_limiter
    assert callable(retry_exponential)

"""The plugin surface: everything a pattern, built-in or third-party, is written with.

A pattern is one folder of code (its class, requirements model, context builder, naming,
rules and mutants) plus its `templates/<pattern>/`. Built-in patterns import only this
module, `agentflow.patterns.signals` and their own folder, exactly as PATTERN_DEVELOPMENT.md
tells plugin authors to; third-party ones register under the entry-point group
`agentflow.patterns` (`ENTRY_POINT_GROUP`).
"""

from agentflow.errors import Diagnostic, PatternUnavailableError, SpecError
from agentflow.generation.filters import pyrepr
from agentflow.naming import (
    adapter_module,
    class_name,
    identifier,
    is_adapter_file,
    package_names,
    unique_identifiers,
)
from agentflow.patterns.base import (
    ENTRY_POINT_GROUP,
    STANDARD_SUBTASKS,
    IntegrationPattern,
    PatternMatch,
    Subtask,
    load_patterns,
    score_patterns,
    select_pattern,
)
from agentflow.patterns.mutants import Function, Mutant, MutationError, replace_body, rewrite
from agentflow.python_ast import parse as parse_python
from agentflow.runtime import __all__ as _runtime_all
from agentflow.secret_scan import find_secrets, strip_url_password
from agentflow.spec.models import StrictModel

RUNTIME_NAMES = frozenset(_runtime_all)
"""The names of `agentflow.runtime`; an adapter imports those of its `runtime_modules`."""

__all__ = [
    "ENTRY_POINT_GROUP",
    "RUNTIME_NAMES",
    "STANDARD_SUBTASKS",
    "Diagnostic",
    "Function",
    "IntegrationPattern",
    "Mutant",
    "MutationError",
    "PatternMatch",
    "PatternUnavailableError",
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

"""Pattern classes: how a kind of service is recognised, split into files and checked.

A pattern scores a requirements mapping in [0, 1] with the signals it saw (`explain`),
turns it into subtasks, one per produced file (`decompose`), gives the templates their
context (`build_context`), checks generated code against its own rules (`validate`) and
names the faults its packages' tests must catch (`mutants`).
Built-in patterns and third-party ones (entry-point group `agentflow.patterns`) are found by
`load_patterns`; `select_pattern` picks one for a spec.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel

from agentflow.errors import PatternSelectionError, PatternUnavailableError, PluginError
from agentflow.generation.rendering import TEMPLATES_ROOT

if TYPE_CHECKING:
    from agentflow.patterns.mutants import Mutant

__all__ = [
    "ENTRY_POINT_GROUP",
    "IntegrationPattern",
    "PatternMatch",
    "Subtask",
    "load_patterns",
    "score_patterns",
    "select_pattern",
]

ENTRY_POINT_GROUP = "agentflow.patterns"
NEAR_TIE = 0.1
MIN_SCORE = 0.2


@dataclass(frozen=True)
class Subtask:
    """One file to produce. `path` may contain `{slug}` and `{SLUG}` placeholders."""

    id: str
    path: str
    template: str
    description: str
    depends_on: tuple[str, ...] = ()
    complexity: Literal["simple", "complex"] = "simple"

    def output_path(self, slug: str) -> str:
        """The path relative to the package directory for the service `slug`."""
        return self.path.replace("{slug}", slug).replace("{SLUG}", slug.upper())


@dataclass(frozen=True)
class PatternMatch:
    """How well a pattern fits a spec, and the signals that say so."""

    name: str
    score: float
    reasons: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: `name`, `score`, `reasons`."""
        return {
            "name": self.name,
            "score": round(self.score, 3),
            "reasons": list(self.reasons),
        }


# The files every pattern produces, in dependency order.
STANDARD_SUBTASKS = (
    Subtask("adapter", "{slug}_adapter.py", "adapter.py.jinja", "the adapter", (), "complex"),
    Subtask(
        "tests",
        "test_{slug}_adapter.py",
        "test_adapter.py.jinja",
        "offline and live tests",
        ("adapter",),
        "complex",
    ),
    Subtask(
        "docs",
        "{SLUG}_INTEGRATION.md",
        "INTEGRATION.md.jinja",
        "the integration guide",
        ("adapter",),
    ),
    Subtask("config", "config.yaml", "config.yaml.jinja", "the runtime configuration"),
    Subtask("examples", "examples.py", "examples.py.jinja", "usage examples", ("adapter",)),
    Subtask("packaging", "pyproject.toml", "pyproject.toml.jinja", "build metadata"),
)


class IntegrationPattern:
    """Base of every pattern. Override `explain` (or `matches`) and, to generate, the rest.

    Class attributes:
      name                 the `type:` users write
      description          one line for `agentflow integrate patterns`
      available            False for patterns that score specs but cannot generate yet
      requirements_model   pydantic model validating the `requirements:` mapping
      template_dir         folder holding this pattern's `*.jinja` templates
      runtime_modules      the `agentflow.runtime` modules the generated code imports from
                           `<slug>_utils` (e.g. "retry"); only these and what they import
                           ship, and none at all when it is empty
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    available: ClassVar[bool] = True
    requirements_model: ClassVar[type[BaseModel] | None] = None
    template_dir: ClassVar[Path | None] = None
    runtime_modules: ClassVar[tuple[str, ...]] = ()

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        """Score `requirements` in [0, 1] with the signals seen."""
        if type(self).matches is IntegrationPattern.matches:
            raise NotImplementedError(f"{type(self).__name__} must override explain or matches")
        return PatternMatch(self.name, _clamp(self.matches(requirements)))

    def matches(self, requirements: Mapping[str, Any]) -> float:
        """Score `requirements` in [0, 1]: how well this pattern fits."""
        return self.explain(requirements).score

    def decompose(self, requirements: Mapping[str, Any]) -> list[Subtask]:
        """The files to produce, one subtask each, dependencies before dependants."""
        return list(STANDARD_SUBTASKS)

    def build_context(self, requirements: BaseModel, *, slug: str) -> dict[str, Any]:
        """Pattern-specific template variables (the builder adds the common ones)."""
        return {"requirements": requirements}

    def validate(self, generated_code: Mapping[str, str]) -> list[str]:
        """Problems in generated files (`{relative path: text}`) under this pattern's rules."""
        return []

    def mutants(self) -> Sequence[Mutant]:
        """Faults in an adapter that a package's tests must catch (`tests_can_fail`).

        No mutants by default: validation then tries a generic one (every function of the
        adapter returns None at once), so a plugin's tests are never taken on trust.
        """
        return ()

    def get_template_dir(self) -> Path:
        """Folder of this pattern's templates."""
        return self.template_dir or TEMPLATES_ROOT / self.name

    def get_template(self, filename: str) -> str:
        """Source text of one of this pattern's templates."""
        return (self.get_template_dir() / filename).read_text(encoding="utf-8")

    def get_adapter_template(self) -> str:
        """Source of the adapter template."""
        return self.get_template("adapter.py.jinja")

    def get_test_template(self) -> str:
        """Source of the test template."""
        return self.get_template("test_adapter.py.jinja")

    def get_docs_template(self) -> str:
        """Source of the docs template."""
        return self.get_template("INTEGRATION.md.jinja")

    def get_config_schema(self) -> dict[str, Any]:
        """JSON Schema of `requirements:` for this pattern."""
        if self.requirements_model is None:
            return {"type": "object"}
        schema: dict[str, Any] = self.requirements_model.model_json_schema()
        return json.loads(json.dumps(schema, sort_keys=True))  # type: ignore[no-any-return]

    def ensure_available(self, requirements: BaseModel | None = None) -> None:
        """Raise `PatternUnavailableError` unless this pattern can generate packages.

        `create` asks again with the validated `requirements`, so a pattern can refuse
        some specs it recognises (an engine it does not generate for yet) with the same
        error and exit code.
        """
        if not self.available or self.requirements_model is None:
            raise PatternUnavailableError(
                f"the {self.name!r} pattern recognises specs but cannot generate packages yet; "
                "only 'api' generates packages in this version"
            )


def _clamp(score: float) -> float:
    return min(1.0, max(0.0, float(score)))


@cache
def load_patterns() -> dict[str, IntegrationPattern]:
    """Built-in patterns plus those registered under the `agentflow.patterns` entry points.

    A plugin that fails to import, does not name an `IntegrationPattern` subclass, or claims
    a name another pattern already has is a `PluginError` naming the entry point, so a
    broken install is reported rather than silently ignored.
    """
    from agentflow.patterns.builtin import BUILTIN_PATTERNS

    classes: dict[str, type[IntegrationPattern]] = {cls.name: cls for cls in BUILTIN_PATTERNS}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        cls = _pattern_class(ep)
        known = classes.setdefault(cls.name, cls)
        if known is not cls:
            raise PluginError(
                f"pattern plugin {ep.name!r} ({ep.value}) defines the pattern {cls.name!r}, "
                f"which {known.__module__}.{known.__qualname__} already provides"
            )
    return {name: classes[name]() for name in sorted(classes)}


def _pattern_class(ep: EntryPoint) -> type[IntegrationPattern]:
    """The `IntegrationPattern` subclass an entry point names, or a clear error."""
    where = f"pattern plugin {ep.name!r} ({ep.value})"
    try:
        cls = ep.load()
    except Exception as exc:
        raise PluginError(f"{where} failed to load: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, IntegrationPattern)):
        raise PluginError(f"{where} is not an IntegrationPattern subclass")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise PluginError(f"{where} has no valid `name` (an identifier such as 'webhook')")
    return cls


def score_patterns(
    requirements: Mapping[str, Any],
    patterns: Mapping[str, IntegrationPattern] | None = None,
) -> list[PatternMatch]:
    """Every pattern's match for `requirements`, best first (ties broken by name)."""
    patterns = load_patterns() if patterns is None else patterns
    matches = []
    for pattern in patterns.values():
        match = pattern.explain(requirements)
        matches.append(PatternMatch(pattern.name, _clamp(match.score), tuple(match.reasons)))
    return sorted(matches, key=lambda m: (-m.score, m.name))


def select_pattern(
    requirements: Mapping[str, Any],
    *,
    explicit_type: str | None = None,
    patterns: Mapping[str, IntegrationPattern] | None = None,
) -> tuple[IntegrationPattern, list[PatternMatch]]:
    """Choose the pattern for a spec: an explicit type wins, else the clear best score."""
    patterns = load_patterns() if patterns is None else patterns
    matches = score_patterns(requirements, patterns)
    if explicit_type is not None:
        if explicit_type not in patterns:
            raise PatternSelectionError(
                f"unknown type {explicit_type!r}; choose one of: {', '.join(patterns)}"
            )
        return patterns[explicit_type], matches
    table = ", ".join(f"{m.name}={m.score:.2f}" for m in matches)
    best = matches[0]
    if best.score < MIN_SCORE:
        raise PatternSelectionError(
            f"no pattern fits these requirements (scores: {table}); add `type:` to the file"
        )
    if len(matches) > 1 and round(best.score - matches[1].score, 6) < NEAR_TIE:
        raise PatternSelectionError(
            f"{best.name!r} and {matches[1].name!r} fit almost equally well (scores: {table}); "
            f"add `type: {best.name}` or `type: {matches[1].name}` to the file"
        )
    return patterns[best.name], matches

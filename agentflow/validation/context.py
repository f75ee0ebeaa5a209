"""What every check sees: the package, the run's options and results shared between checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol, runtime_checkable

from agentflow.package.files import checked_paths
from agentflow.patterns.mutants import Mutant
from agentflow.validation.package import PackageInfo
from agentflow.validation.sandbox import Sandbox
from agentflow.validation.tools import ToolRun

__all__ = ["CheckContext", "HasMutants", "Outcome", "PatternRules", "TestRun"]


class PatternRules(Protocol):
    """Anything that judges a package's files by a pattern's rules (`IntegrationPattern`)."""

    def validate(self, generated_code: Mapping[str, str], /) -> list[str]:
        """Rule violations found in `{relative path: text}`."""
        ...


@runtime_checkable
class HasMutants(Protocol):
    """A pattern that names the faults its packages' tests must catch (`IntegrationPattern`)."""

    def mutants(self) -> Sequence[Mutant]:
        """The pattern's mutants of an adapter."""
        ...


@dataclass(frozen=True)
class Outcome:
    """What a check decided and the evidence it saw."""

    passed: bool
    evidence: str
    skipped: bool = False


@dataclass(frozen=True)
class TestRun:
    """One run of the package's test suite, and where its coverage report was written."""

    tool: ToolRun
    coverage_json: Path


@dataclass
class CheckContext:
    """A package under validation plus options; the test run is shared by three checks."""

    package: PackageInfo
    scratch: Path
    sandbox: Sandbox
    run_tests: bool = True
    min_coverage: float = 90.0
    check_edits: bool = True
    pattern: PatternRules | None = None
    test_timeout: float = 300.0
    tool_timeout: float = 120.0
    test_run: TestRun | None = field(default=None, init=False, repr=False)

    @property
    def root(self) -> Path:
        """The package directory."""
        return self.package.root

    @cached_property
    def files(self) -> list[str]:
        """The package's files as sorted relative POSIX paths (metadata.json excluded)."""
        return checked_paths(self.root)

    @property
    def python_files(self) -> list[str]:
        """The package's `.py` files."""
        return [rel for rel in self.files if rel.endswith(".py")]

    @cached_property
    def rules(self) -> PatternRules | None:
        """`pattern` if given, else the installed pattern metadata.json names (None if absent)."""
        if self.pattern is not None:
            return self.pattern
        from agentflow.patterns.base import load_patterns

        return load_patterns().get(self.package.pattern)

    @cached_property
    def pytest_plugins(self) -> frozenset[str] | None:
        """The pytest plugins the package's `test` extra declares; None without one."""
        from agentflow.validation.testrun import declared_plugins

        return declared_plugins(self.root)

    def run_python(
        self, args: list[str], *, timeout: float, env: Mapping[str, str] | None = None
    ) -> ToolRun:
        """`python <args>` in the package directory, inside the sandbox."""
        return self.sandbox.run(args, cwd=self.root, timeout=timeout, env=env)

    def read_text(self, rel: str) -> str:
        """A package file as text; undecodable bytes become U+FFFD rather than failing."""
        return (self.root / rel).read_text(encoding="utf-8", errors="replace")

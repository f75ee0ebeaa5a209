"""What every check sees: the package, the run's options and results shared between checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

from agentflow.validation.package import PackageInfo, list_package_files
from agentflow.validation.tools import ToolRun, tool_env

__all__ = ["CheckContext", "Outcome", "PatternRules", "TestRun"]


class PatternRules(Protocol):
    """Anything that judges a package's files by a pattern's rules (`IntegrationPattern`)."""

    def validate(self, generated_code: Mapping[str, str], /) -> list[str]:
        """Rule violations found in `{relative path: text}`."""
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
    """A package under validation plus options; the test run is shared by two checks."""

    package: PackageInfo
    scratch: Path
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
        return list_package_files(self.root)

    @property
    def python_files(self) -> list[str]:
        """The package's `.py` files."""
        return [rel for rel in self.files if rel.endswith(".py")]

    @cached_property
    def env(self) -> dict[str, str]:
        """Environment for subprocesses, keeping every write out of the package."""
        return tool_env(self.root, self.scratch)

    def read_text(self, rel: str) -> str:
        """A package file as text; undecodable bytes become U+FFFD rather than failing."""
        return (self.root / rel).read_text(encoding="utf-8", errors="replace")

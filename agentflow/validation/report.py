"""Validation results as data: one `CheckResult` per check, gathered in a `ValidationReport`.

The score is the weighted sum of the checks that passed and nothing else: the weights of
a report's checks sum to exactly 100, a failed or skipped check earns 0, so every point
of the score traces back to one passed check and its evidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_MIN_SCORE", "TOTAL_WEIGHT", "CheckResult", "Isolation", "ValidationReport"]

TOTAL_WEIGHT = 100.0
DEFAULT_MIN_SCORE = 90.0


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one named check and what was observed to decide it."""

    name: str
    weight: float
    passed: bool
    evidence: str
    duration_seconds: float
    skipped: bool = False

    def __post_init__(self) -> None:
        if self.skipped and self.passed:
            raise ValueError(f"check {self.name!r} cannot be both skipped and passed")
        if self.weight < 0:
            raise ValueError(f"check {self.name!r} has a negative weight")

    @property
    def points(self) -> float:
        """The weight if the check passed, else 0 (skipped checks earn nothing)."""
        return self.weight if self.passed else 0.0

    @property
    def status(self) -> str:
        """`passed`, `failed` or `skipped`."""
        if self.skipped:
            return "skipped"
        return "passed" if self.passed else "failed"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with a fixed key order."""
        return {
            "name": self.name,
            "weight": self.weight,
            "passed": self.passed,
            "skipped": self.skipped,
            "points": self.points,
            "evidence": self.evidence,
            "duration_seconds": round(self.duration_seconds, 3),
        }


@dataclass(frozen=True)
class Isolation:
    """What package code could reach while it ran: its environment and the network."""

    environment: str
    network: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form: `environment`, `network`."""
        return {"environment": self.environment, "network": self.network}

    def describe(self) -> str:
        """One line for people, e.g. `environment scrubbed, network none (network namespace)`."""
        return f"environment {self.environment}, network {self.network}"


@dataclass(frozen=True)
class ValidationReport:
    """Every check run on one package; weights must sum to 100 so the score is a sum.

    `isolation` says how package code ran (None for reports assembled by hand).
    """

    package: str
    checks: tuple[CheckResult, ...]
    isolation: Isolation | None = None

    def __post_init__(self) -> None:
        names = [check.name for check in self.checks]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate check names in report: {names}")
        total = math.fsum(check.weight for check in self.checks)
        if not math.isclose(total, TOTAL_WEIGHT):
            raise ValueError(f"check weights sum to {total}, not {TOTAL_WEIGHT:g}")

    @property
    def score(self) -> float:
        """0–100: the sum of the weights of the checks that passed."""
        return round(math.fsum(check.points for check in self.checks), 6)

    def passed(self, min_score: float = DEFAULT_MIN_SCORE) -> bool:
        """Whether the score reaches `min_score`."""
        return self.score >= min_score

    def check(self, name: str) -> CheckResult:
        """The result of the check called `name` (KeyError if there is none)."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        """Checks that did not earn their points, skipped ones included."""
        return tuple(check for check in self.checks if not check.passed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: `package`, `score`, `isolation` and every check, in run order."""
        return {
            "package": self.package,
            "score": self.score,
            "isolation": None if self.isolation is None else self.isolation.to_dict(),
            "checks": [check.to_dict() for check in self.checks],
        }

"""Scoring: weights sum to 100 and the score is the sum of the passed checks' weights."""

from __future__ import annotations

import pytest

from agentflow.validation import CHECKS, CheckResult, Isolation, ValidationReport


def result(name: str, weight: float, *, passed: bool, skipped: bool = False) -> CheckResult:
    return CheckResult(name, weight, passed, f"{name} evidence", 0.01, skipped)


def report_with(passing: set[str], skipped: frozenset[str] = frozenset()) -> ValidationReport:
    checks = tuple(
        result(c.name, c.weight, passed=c.name in passing, skipped=c.name in skipped)
        for c in CHECKS
    )
    return ValidationReport("pkg", checks)


def test_check_weights_sum_to_exactly_100() -> None:
    assert sum(check.weight for check in CHECKS) == 100


def test_checks_are_the_documented_ones_in_run_order() -> None:
    assert [c.name for c in CHECKS] == [
        "syntax",
        "import_isolated",
        "black",
        "ruff",
        "pattern_rules",
        "tests",
        "coverage",
        "tests_can_fail",
        "unedited",
    ]


@pytest.mark.parametrize(
    "passing",
    [set(), {"syntax"}, {"tests", "coverage"}, {c.name for c in CHECKS} - {"ruff"}],
)
def test_score_is_the_sum_of_passed_weights(passing: set[str]) -> None:
    expected = sum(c.weight for c in CHECKS if c.name in passing)
    assert report_with(passing).score == expected


def test_all_passed_scores_100_and_none_scores_0() -> None:
    assert report_with({c.name for c in CHECKS}).score == 100
    assert report_with(set()).score == 0


def test_skipped_check_earns_nothing() -> None:
    skipped = result("tests", 20, passed=False, skipped=True)
    assert skipped.points == 0
    assert skipped.status == "skipped"
    everything_but_tests = {c.name for c in CHECKS} - {"tests"}
    assert report_with(everything_but_tests, frozenset({"tests"})).score == 80


def test_a_check_cannot_be_skipped_and_passed() -> None:
    with pytest.raises(ValueError, match="both skipped and passed"):
        result("tests", 20, passed=True, skipped=True)


def test_report_refuses_weights_that_do_not_sum_to_100() -> None:
    with pytest.raises(ValueError, match="sum to 50"):
        ValidationReport("pkg", (result("a", 50, passed=True),))


def test_report_refuses_duplicate_check_names() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        ValidationReport("pkg", (result("a", 50, passed=True), result("a", 50, passed=True)))


def test_passed_compares_score_with_minimum_inclusively() -> None:
    report = report_with({c.name for c in CHECKS} - {"unedited"})
    assert report.score == 90
    assert report.passed(90)
    assert not report.passed(90.5)


def test_check_lookup_by_name() -> None:
    report = report_with({"ruff"})
    assert report.check("ruff").passed
    assert [c.name for c in report.failed_checks] == [c.name for c in CHECKS if c.name != "ruff"]
    with pytest.raises(KeyError):
        report.check("nope")


def test_to_dict_lists_every_check_with_points() -> None:
    data = report_with({"syntax"}).to_dict()
    assert list(data) == ["package", "score", "isolation", "checks"]
    assert data["score"] == 10
    assert data["isolation"] is None
    first = data["checks"][0]
    assert list(first) == [
        "name",
        "weight",
        "passed",
        "skipped",
        "points",
        "evidence",
        "duration_seconds",
    ]
    assert (first["name"], first["points"]) == ("syntax", 10)
    assert [c["points"] for c in data["checks"][1:]] == [0] * (len(CHECKS) - 1)


def test_tests_that_cannot_fail_put_a_package_below_the_default_minimum() -> None:
    report = report_with({c.name for c in CHECKS} - {"tests_can_fail"})
    assert report.score == 85
    assert not report.passed()


def test_a_quick_run_scores_at_most_55() -> None:
    untested = frozenset({"tests", "coverage", "tests_can_fail"})
    assert report_with({c.name for c in CHECKS} - untested, untested).score == 55


def test_isolation_is_part_of_the_report_dict() -> None:
    isolation = Isolation(environment="scrubbed", network="none (network namespace)")
    report = ValidationReport("pkg", report_with(set()).checks, isolation)
    assert report.to_dict()["isolation"] == {
        "environment": "scrubbed",
        "network": "none (network namespace)",
    }
    assert isolation.describe() == "environment scrubbed, network none (network namespace)"

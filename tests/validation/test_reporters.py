"""Reporters: JSON and JUnit parse and carry every check; text shows evidence literally."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from rich.console import Console

from agentflow.validation import (
    CHECKS,
    CheckResult,
    Isolation,
    ValidationReport,
    render_json,
    render_junit,
    render_text,
)

ISOLATION = Isolation(environment="scrubbed", network="none (network namespace)")


def make_report(
    package: str = "integrations/demo",
    failing: frozenset[str] = frozenset(),
    skipped: frozenset[str] = frozenset(),
    evidence: str = "observed",
) -> ValidationReport:
    checks = tuple(
        CheckResult(
            name=check.name,
            weight=check.weight,
            passed=check.name not in failing | skipped,
            evidence=f"{check.name}: {evidence}\nsecond line",
            duration_seconds=0.25,
            skipped=check.name in skipped,
        )
        for check in CHECKS
    )
    return ValidationReport(package, checks, ISOLATION)


def test_json_for_one_package_has_score_and_every_check() -> None:
    report = make_report(failing=frozenset({"ruff"}))
    data = json.loads(render_json([report]))
    assert list(data) == ["min_score", "passed", "packages"]
    assert data["passed"] is True
    (package,) = data["packages"]
    assert package["package"] == "integrations/demo"
    assert package["score"] == 95
    assert package["isolation"] == {
        "environment": "scrubbed",
        "network": "none (network namespace)",
    }
    assert [c["name"] for c in package["checks"]] == [c.name for c in CHECKS]
    ruff = next(c for c in package["checks"] if c["name"] == "ruff")
    assert (ruff["passed"], ruff["points"]) == (False, 0)
    assert ruff["evidence"] == "ruff: observed\nsecond line"


def test_json_verdict_uses_min_score_across_packages() -> None:
    good = make_report("a")
    weak = make_report("b", failing=frozenset({"tests"}))
    data = json.loads(render_json([good, weak], min_score=90))
    assert data["passed"] is False
    assert [p["passed"] for p in data["packages"]] == [True, False]
    assert json.loads(render_json([good, weak], min_score=80))["passed"] is True


def test_json_output_is_deterministic() -> None:
    report = make_report()
    assert render_json([report]) == render_json([report])


def test_junit_counts_failures_and_skips_per_suite() -> None:
    reports = [
        make_report("a", failing=frozenset({"black", "ruff"})),
        make_report("b", skipped=frozenset({"tests", "coverage"})),
    ]
    root = ET.fromstring(render_junit(reports))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("18", "2", "2")
    first, second = root.findall("testsuite")
    assert (first.get("name"), first.get("failures"), first.get("skipped")) == ("a", "2", "0")
    assert (second.get("failures"), second.get("skipped")) == ("0", "2")
    assert len(first.findall("testcase")) == len(CHECKS)
    failed = [
        case.get("name") for case in first.iter("testcase") if case.find("failure") is not None
    ]
    assert failed == ["black", "ruff"]
    skipped = [
        case.get("name") for case in second.iter("testcase") if case.find("skipped") is not None
    ]
    assert skipped == ["tests", "coverage"]
    score = first.find("properties/property[@name='score']")
    assert score is not None and score.get("value") == "90"
    network = first.find("properties/property[@name='isolation.network']")
    assert network is not None and network.get("value") == "none (network namespace)"


def test_junit_failure_carries_evidence_escaped() -> None:
    nasty = 'a < b && "quoted" ]]> \x1b[31mred\x1b[0m'
    report = make_report(failing=frozenset({"tests"}), evidence=nasty)
    root = ET.fromstring(render_junit([report]))
    failure = root.find("testsuite/testcase[@name='tests']/failure")
    assert failure is not None
    assert failure.text is not None
    assert 'a < b && "quoted" ]]>' in failure.text
    assert "\x1b" not in failure.text
    assert failure.get("message") == "tests: " + nasty.replace("\x1b", "\ufffd")


def render_to_text(report: ValidationReport) -> str:
    console = Console(width=160, record=True, color_system=None)
    console.print(render_text(report))
    return console.export_text()


def test_text_lists_each_check_with_points_and_total() -> None:
    report = make_report(failing=frozenset({"coverage"}), skipped=frozenset({"tests"}))
    text = render_to_text(report)
    for check in CHECKS:
        assert check.name in text
    assert "0/10" in text and "15/15" in text
    assert "skipped" in text and "failed" in text
    assert "score: 70/100" in text
    assert "isolation: environment scrubbed, network none (network namespace)" in text
    assert "second line" not in text, "only the first evidence line is shown"


def test_text_does_not_interpret_markup_in_evidence() -> None:
    report = make_report(evidence="[bold]x[/bold] [red]")
    assert "ruff: [bold]x[/bold] [red]" in render_to_text(report)

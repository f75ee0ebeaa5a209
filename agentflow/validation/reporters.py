"""Validation reports for people (rich table), scripts (JSON) and CI dashboards (JUnit XML).

JSON always has one shape, whatever the number of packages, so scripts never branch::

    {"min_score": 90.0, "passed": true,
     "packages": [{"package": …, "score": …, "passed": true,
                   "isolation": {"environment": "scrubbed", "network": "none (…)"},
                   "checks": [{…}, …]}]}

Keys keep a fixed order; each check has name, weight, passed, skipped, points, evidence
and duration_seconds. JUnit XML has one `<testsuite>` per package and one `<testcase>`
per check; failed checks carry `<failure>` with the evidence, skipped ones `<skipped>`;
the isolation is a pair of suite properties. The text report states it under the table.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agentflow.validation.report import DEFAULT_MIN_SCORE, CheckResult, ValidationReport

__all__ = ["render_json", "render_junit", "render_text"]

_STYLES = {"passed": "green", "failed": "red", "skipped": "yellow"}
# Characters XML 1.0 cannot carry at all (ANSI escapes from tool output, for one).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render_text(report: ValidationReport) -> RenderableType:
    """A table of checks (result, points/weight, first line of evidence) and the total."""
    table = Table(
        "check", "result", "points", "evidence", title=report.package, title_justify="left"
    )
    for check in report.checks:
        table.add_row(
            check.name,
            Text(check.status, style=_STYLES[check.status]),
            f"{check.points:g}/{check.weight:g}",
            Text(_first_line(check.evidence)),
        )
    total = Text(f"score: {report.score:g}/100")
    if report.isolation is None:
        return Group(table, total)
    return Group(table, Text(f"isolation: {report.isolation.describe()}"), total)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def render_json(
    reports: Sequence[ValidationReport], *, min_score: float = DEFAULT_MIN_SCORE
) -> str:
    """Every report in one JSON object with the overall verdict against `min_score`."""
    packages = [_package_dict(report, min_score) for report in reports]
    document: dict[str, Any] = {
        "min_score": min_score,
        "passed": all(entry["passed"] for entry in packages),
        "packages": packages,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _package_dict(report: ValidationReport, min_score: float) -> dict[str, Any]:
    data = report.to_dict()
    return {
        "package": data["package"],
        "score": data["score"],
        "passed": report.passed(min_score),
        "isolation": data["isolation"],
        "checks": data["checks"],
    }


def render_junit(
    reports: Sequence[ValidationReport], *, min_score: float = DEFAULT_MIN_SCORE
) -> str:
    """JUnit XML: a testsuite per package, a testcase per check, escaped by ElementTree."""
    root = ET.Element("testsuites", name="agentflow validate")
    for report in reports:
        root.append(_testsuite(report, min_score))
    _set_counts(root, [c for r in reports for c in r.checks])
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _testsuite(report: ValidationReport, min_score: float) -> ET.Element:
    suite = ET.Element("testsuite", name=_xml_text(report.package))
    _set_counts(suite, list(report.checks))
    properties = ET.SubElement(suite, "properties")
    isolation = {} if report.isolation is None else report.isolation.to_dict()
    for name, value in (
        ("score", f"{report.score:g}"),
        ("min_score", f"{min_score:g}"),
        ("passed", str(report.passed(min_score)).lower()),
        *((f"isolation.{key}", text) for key, text in isolation.items()),
    ):
        ET.SubElement(properties, "property", name=name, value=_xml_text(value))
    for check in report.checks:
        suite.append(_testcase(report.package, check))
    return suite


def _testcase(package: str, check: CheckResult) -> ET.Element:
    case = ET.Element(
        "testcase",
        name=check.name,
        classname=_xml_text(package),
        time=f"{check.duration_seconds:.3f}",
    )
    evidence = _xml_text(check.evidence)
    if check.skipped:
        ET.SubElement(case, "skipped", message=_first_line(evidence))
    elif not check.passed:
        failure = ET.SubElement(
            case, "failure", message=_first_line(evidence), type=f"{check.name}-failed"
        )
        failure.text = evidence
    else:
        ET.SubElement(case, "system-out").text = evidence
    return case


def _set_counts(element: ET.Element, checks: Sequence[CheckResult]) -> None:
    element.set("tests", str(len(checks)))
    element.set("failures", str(sum(not c.passed and not c.skipped for c in checks)))
    element.set("errors", "0")
    element.set("skipped", str(sum(c.skipped for c in checks)))
    element.set("time", f"{sum(c.duration_seconds for c in checks):.3f}")


def _xml_text(text: str) -> str:
    """`text` without the control characters XML cannot represent, even escaped."""
    return _NOT_XML.sub("\ufffd", text)

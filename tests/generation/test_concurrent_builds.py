"""One builder, several builds at once, as the guide's `ThreadPoolExecutor` example runs them.

Concurrent builds of different (and the same) requirements must give the very files serial
builds give, and the records they share (build history, cost summary, ledger) must count each
build exactly once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from agentflow.build import IntegrationBuilder, IntegrationPackage
from agentflow.generation.orchestrator import SmartOrchestrator
from agentflow.package.metadata import VOLATILE_METADATA_KEYS
from agentflow.patterns.api.mutants import API_MUTANTS
from agentflow.patterns.api.rules import check_api_package
from agentflow.spec.loader import load_spec

from .fake_chat import FakeChat

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SPECS = [EXAMPLES / "github.yaml", EXAMPLES / "stripe.yaml"]
# Each spec three times, interleaved: different services and the same one at once.
WORK = SPECS * 3


def stable(package: IntegrationPackage) -> dict[str, Any]:
    """The package's files, with metadata.json less its timings and score."""
    files: dict[str, Any] = dict(package.files)
    metadata = json.loads(files.pop("metadata.json"))
    for key in VOLATILE_METADATA_KEYS:
        metadata.pop(key)
    return {**files, "metadata.json": metadata}


def concurrently(build: Callable[[Path], IntegrationPackage]) -> list[IntegrationPackage]:
    """`build` over WORK from a pool of three threads, released three at a time."""
    start = threading.Barrier(3)  # WORK is a multiple of three, so no thread waits alone

    def together(spec: Path) -> IntegrationPackage:
        start.wait(timeout=30)
        return build(spec)

    with ThreadPoolExecutor(max_workers=3) as executor:
        futures = [executor.submit(together, spec) for spec in WORK]
        return [future.result() for future in futures]


def test_concurrent_template_builds_equal_serial_ones_and_count_each_build_once() -> None:
    serial = {
        spec: stable(IntegrationBuilder(validate=False).build(load_spec(spec))) for spec in SPECS
    }
    builder = IntegrationBuilder(SmartOrchestrator("template"), validate=False)
    packages = concurrently(lambda spec: builder.build(load_spec(spec)))
    for spec, package in zip(WORK, packages, strict=True):
        assert stable(package) == serial[spec], spec.name
    history = builder.get_build_history()
    assert sorted(r["service"] for r in history) == sorted(["GitHub", "Stripe"] * 3)
    assert builder.get_average_metrics()["builds"] == len(WORK)
    summary = builder.orchestrator.get_cost_summary()
    assert summary["calls"] == 6 * len(WORK)  # six produced files per build


def test_concurrent_model_builds_share_exact_cost_records() -> None:
    def model_builder() -> IntegrationBuilder:
        chat = FakeChat("openai", latency=0.01)
        orchestrator = SmartOrchestrator("openai", clients={"openai": chat}, use_cache=False)
        return IntegrationBuilder(orchestrator, validate=False)

    serial_builder = model_builder()
    serial = {spec: serial_builder.build(load_spec(spec)) for spec in SPECS}
    builder = model_builder()
    packages = concurrently(lambda spec: builder.build(load_spec(spec)))
    for spec, package in zip(WORK, packages, strict=True):
        assert stable(package) == stable(serial[spec]), spec.name
        assert package.metadata["build_metrics"]["total_cost"] == (
            serial[spec].metadata["build_metrics"]["total_cost"]
        )
    one_each = serial_builder.orchestrator.get_cost_summary()
    summary = builder.orchestrator.get_cost_summary()
    assert one_each["model_calls"] > 0
    assert summary["model_calls"] == 3 * one_each["model_calls"]
    assert summary["total_cost"] == pytest.approx(3 * one_each["total_cost"], abs=1e-6)
    for model, cost in one_each["by_model"].items():
        assert summary["by_model"][model] == pytest.approx(3 * cost, abs=1e-6)
    history = builder.get_build_history()
    assert len(history) == len(WORK)
    assert sum(r["total_cost"] for r in history) == pytest.approx(summary["total_cost"], abs=1e-5)


class _Finalized:
    """Garbage whose finalizer runs Python code, so a collection can switch threads."""

    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        sum(range(50))


def test_pattern_rules_and_mutants_parse_safely_from_several_threads() -> None:
    """Without the parse lock, CPython 3.11 fails here with `SystemError: AST constructor
    recursion depth mismatch`: the garbage makes collections run mid-conversion."""
    files = IntegrationBuilder(validate=False).build(load_spec(SPECS[0])).files
    adapter = {"github_adapter.py": files["github_adapter.py"]}
    requirements = json.loads(files["metadata.json"])["requirements"]
    mutant = API_MUTANTS[0]
    expected = check_api_package(adapter), mutant.mutate(adapter["github_adapter.py"], requirements)
    failures: list[BaseException] = []

    def work() -> None:
        for _ in range(5):
            try:
                garbage = [_Finalized() for _ in range(200)]
                del garbage
                problems = check_api_package(adapter)
                mutated = mutant.mutate(adapter["github_adapter.py"], requirements)
                assert (problems, mutated) == expected
            except BaseException as exc:  # every failure is reported below
                failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.slow
def test_concurrent_validated_builds_score_as_serial_ones() -> None:
    serial = IntegrationBuilder().build(load_spec(SPECS[0]))
    builder = IntegrationBuilder()
    with ThreadPoolExecutor(max_workers=3) as executor:
        futures = [executor.submit(builder.build, load_spec(spec)) for spec in [*SPECS, SPECS[0]]]
        packages = [future.result() for future in futures]
    assert serial.report is not None and serial.report.score == 100.0
    for package in packages:
        assert package.report is not None
        assert package.report.score == serial.report.score, package.report.failed_checks
    assert stable(packages[0]) == stable(packages[2]) == stable(serial)
    assert len(builder.get_build_history()) == 3

"""The message_queue pattern's mutants: each one changes the generated adapter where it means
to, refuses an adapter it cannot find its target in, and (slow) is caught by the one generated
test written to catch it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentflow.patterns import Mutant, MutationError
from agentflow.patterns.message_queue import MessageQueuePattern
from agentflow.patterns.message_queue.mutants import QUEUE_MUTANTS

GOLDEN = Path(__file__).resolve().parents[2] / "integrations" / "order_queue"
ADAPTER = "order_queue_adapter.py"
SOURCE = (GOLDEN / ADAPTER).read_text(encoding="utf-8")
CATCHER = {
    "ack_before_handling": "test_a_consumer_crashing_before_the_ack_gets_the_message_again",
    "dead_letter_dropped": "test_dead_letter_queue_holds_the_poison_message",
    "retries_disabled": "test_failures_are_retried_then_dead_lettered",
    "dedupe_disabled": "test_duplicate_message_ids_are_skipped",
    "publish_unvalidated": "test_an_invalid_message_is_refused_and_nothing_is_sent",
    "arrival_unvalidated": "test_an_invalid_message_arriving_is_dead_lettered_without_retries",
}
SCHEMA_MUTANTS = [m for m in QUEUE_MUTANTS if m.name.endswith("_unvalidated")]


def test_the_pattern_names_its_mutants() -> None:
    assert [m.name for m in MessageQueuePattern().mutants()] == list(CATCHER)


@pytest.mark.parametrize("mutant", QUEUE_MUTANTS, ids=lambda m: m.name)
def test_every_mutant_changes_the_adapter(mutant: Mutant) -> None:
    mutated = mutant.mutate(SOURCE, {})
    assert mutated is not None and mutated != SOURCE
    compile(mutated, ADAPTER, "exec")


def test_the_ack_moves_before_the_handler() -> None:
    mutated = QUEUE_MUTANTS[0].mutate(SOURCE, {})
    assert mutated is not None
    begin = mutated.split("def _begin", 1)[1].split("\n    def ", 1)[0]
    succeeded = mutated.split("def _succeeded", 1)[1].split("\n    def ", 1)[0]
    assert "self._transport.ack(delivery.tag)" in begin.rsplit("return", 1)[0]
    assert "_transport.ack" not in succeeded


def test_retries_disabled_does_not_apply_when_nothing_is_retried() -> None:
    single = SOURCE.replace("max_attempts=3", "max_attempts=1")
    assert single != SOURCE
    assert QUEUE_MUTANTS[2].mutate(single, {}) is None


@pytest.mark.parametrize("mutant", QUEUE_MUTANTS, ids=lambda m: m.name)
def test_a_restructured_adapter_is_reported(mutant: Mutant) -> None:
    restructured = "def _validated(queue, body):\n    return None\n"
    with pytest.raises(MutationError):
        mutant.mutate(restructured, {})


@pytest.mark.parametrize("mutant", SCHEMA_MUTANTS, ids=lambda m: m.name)
def test_schema_mutants_do_not_apply_to_a_package_without_schemas(mutant: Mutant) -> None:
    assert mutant.mutate("def unrelated() -> None:\n    pass\n", {}) is None


def test_the_schema_mutants_remove_the_checks_they_name() -> None:
    unchecked_publish, unchecked_arrival = (m.mutate(SOURCE, {}) for m in SCHEMA_MUTANTS)
    assert unchecked_publish is not None and unchecked_arrival is not None
    publish = unchecked_publish.split("    def publish(", 1)[1].split("\n    def ", 1)[0]
    assert "_validated(" not in publish
    begin = unchecked_arrival.split("    def _begin(", 1)[1].split("\n    def ", 1)[0]
    assert "model = None" in begin and "_validated(" not in begin


@pytest.mark.slow
def test_each_mutant_is_caught_by_its_test(tmp_path: Path) -> None:
    package = tmp_path / "order_queue"
    shutil.copytree(GOLDEN, package, ignore=shutil.ignore_patterns(".agentflow"))
    survivors = []
    for mutant in QUEUE_MUTANTS:
        mutated = mutant.mutate(SOURCE, {})
        assert mutated is not None
        (package / ADAPTER).write_text(mutated, encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            + ["-k", CATCHER[mutant.name]],
            cwd=package,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if run.returncode != 1 or "failed" not in run.stdout:
            survivors.append(f"{mutant.name}: {run.stdout[-500:]}")
    assert survivors == []

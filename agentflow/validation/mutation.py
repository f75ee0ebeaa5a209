"""The `tests_can_fail` check: the package's tests catch deliberate faults in its adapter.

Tests that pass whatever the adapter does (`assert bool(x) in (True, False)`, skipped request
tests) score as well as real ones on every other check. Here each mutant of the package's
pattern is applied to a private copy of the package in the scratch folder, and the tests run
against every copy in the same sandbox as the real run: stopping at the first failure,
without coverage or assertion messages, from one warm process that forks a child per copy
(`run_mutants.py`), several at a time.
Every mutant must be caught. One that survives names the kind of test that is missing; one
that cannot be applied (the adapter was restructured) fails the check too, since nothing then
proves the tests. Mutants are tried only when the tests pass on the unchanged adapter, or a
failure would prove nothing; otherwise the check is skipped (and earns nothing), leaving the
failure to the `tests` check.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agentflow.patterns.mutants import Mutant, MutationError
from agentflow.validation.context import CheckContext, HasMutants, Outcome
from agentflow.validation.mutants import HOLLOW_ADAPTER
from agentflow.validation.testrun import NOT_RUN, package_test_run, plugin_options, summary_line
from agentflow.validation.tools import ToolRun, excerpt

__all__ = ["check_tests_can_fail"]

_RUNNER = Path(__file__).with_name("run_mutants.py")
# Only the verdict matters: stop at the first failure, skip rewriting asserts for messages.
_PYTEST = ["-q", "-x", "-p", "no:cacheprovider", "-rfE", "--assert=plain"]
_SURVIVED = frozenset({0, 5})  # all passed, no tests ran
_CAUGHT = frozenset({1, 2})  # a test failed, collection failed
_SLACK_SECONDS = 30.0  # for the runner itself, beyond the children's timeouts

Verdict = Literal["caught", "survived", "not judged", "cannot be applied", "does not apply"]


@dataclass(frozen=True)
class _Trial:
    """One mutant's fate and what was seen."""

    mutant: Mutant
    verdict: Verdict
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.verdict in ("survived", "not judged", "cannot be applied")


def check_tests_can_fail(ctx: CheckContext) -> Outcome:
    """Every mutant of the adapter makes the package's tests fail."""
    if not ctx.run_tests:
        return Outcome(False, f"{NOT_RUN}; mutants are judged by the tests", skipped=True)
    if not package_test_run(ctx).tool.ok:
        return Outcome(
            False,
            "skipped: mutants not tried, the tests fail on the unchanged adapter (see the "
            "tests check), so a failing mutant would prove nothing",
            skipped=True,
        )
    adapter = f"{ctx.package.adapter_module}.py"
    if adapter not in ctx.files:
        return Outcome(False, f"no adapter {adapter} to mutate")
    mutants, note = _mutants(ctx)
    names = [mutant.name for mutant in mutants]
    if len(set(names)) != len(names):
        return Outcome(False, f"pattern {ctx.package.pattern!r} names two mutants alike: {names}")
    trials, run = _try_all(ctx, adapter, mutants)
    passed = not any(t.failed for t in trials) and any(t.verdict == "caught" for t in trials)
    return Outcome(passed, _evidence(ctx, trials, note, run))


def _mutants(ctx: CheckContext) -> tuple[Sequence[Mutant], str]:
    """The pattern's mutants, or the generic one (and a note saying so)."""
    rules = ctx.rules
    own = tuple(rules.mutants()) if isinstance(rules, HasMutants) else ()
    if own:
        return own, ""
    note = (
        f"pattern {ctx.package.pattern!r} defines no mutants of its own; "
        f"the generic {HOLLOW_ADAPTER.name} mutant was used"
    )
    return (HOLLOW_ADAPTER,), note


def _try_all(
    ctx: CheckContext, adapter: str, mutants: Sequence[Mutant]
) -> tuple[list[_Trial], ToolRun | None]:
    """Apply each mutant to a private copy, then run the tests on every copy made."""
    source = ctx.read_text(adapter)
    requirements = _requirements(ctx.package.metadata)
    folder = ctx.scratch / "mutants"
    trials: dict[str, _Trial] = {}
    for mutant in mutants:
        try:
            mutated = mutant.mutate(source, requirements)
        except MutationError as exc:
            trials[mutant.name] = _Trial(mutant, "cannot be applied", str(exc))
            continue
        if mutated is None:
            trials[mutant.name] = _Trial(mutant, "does not apply")
        elif mutated == source:
            trials[mutant.name] = _Trial(
                mutant, "cannot be applied", "the mutation changes nothing"
            )
        else:
            _private_copy(ctx, folder / mutant.name, adapter, mutated)
    made = [mutant for mutant in mutants if mutant.name not in trials]
    if not made:
        return [trials[mutant.name] for mutant in mutants], None
    run = _run_copies(ctx, folder, [mutant.name for mutant in made])
    codes = _exit_codes(run)
    for mutant in made:
        trials[mutant.name] = _judge(mutant, codes, folder, ctx.test_timeout)
    return [trials[mutant.name] for mutant in mutants], run


def _requirements(metadata: Mapping[str, Any]) -> Mapping[str, Any]:
    """The requirements recorded in metadata.json, which some mutants consult."""
    value = metadata.get("requirements")
    return value if isinstance(value, Mapping) else {}


def _private_copy(ctx: CheckContext, copy: Path, adapter: str, mutated: str) -> None:
    """The package's files under `copy`, with the mutated adapter."""
    for rel in ctx.files:
        target = copy / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel == adapter:
            target.write_text(mutated, encoding="utf-8")
        else:
            shutil.copyfile(ctx.root / rel, target)


def _run_copies(ctx: CheckContext, folder: Path, copies: list[str]) -> ToolRun:
    """Run the tests on every copy with `run_mutants.py`, a few at a time."""
    shutil.copyfile(_RUNNER, folder / _RUNNER.name)
    workers = max(1, min(len(copies), os.cpu_count() or 1))
    plugins, env = plugin_options(ctx.pytest_plugins)
    args = [_RUNNER.name, f"{ctx.test_timeout:g}", str(workers), *copies, "--", *_PYTEST]
    rounds = math.ceil(len(copies) / workers)
    timeout = ctx.test_timeout * rounds + _SLACK_SECONDS
    return ctx.sandbox.run([*args, *plugins], cwd=folder, timeout=timeout, env=env)


def _exit_codes(run: ToolRun) -> dict[str, int | None]:
    """The runner's verdicts: its last output line, `{copy: exit status or null}`."""
    lines = run.stdout.strip().splitlines()
    if not run.ok or not lines:
        return {}
    try:
        codes = json.loads(lines[-1])
    except ValueError:
        return {}
    return codes if isinstance(codes, dict) else {}


def _judge(mutant: Mutant, codes: Mapping[str, int | None], folder: Path, timeout: float) -> _Trial:
    """Caught when the tests failed (or never finished); survived when they passed."""
    if mutant.name not in codes:
        return _Trial(mutant, "not judged", "the mutant runner gave no result for it")
    code = codes[mutant.name]
    if code is None:
        return _Trial(mutant, "caught", f"(the tests did not finish within {timeout:g}s)")
    output = _read(folder / f"{mutant.name}.out")
    if code in _SURVIVED:
        return _Trial(mutant, "survived", summary_line(output) or f"pytest exit {code}")
    if code not in _CAUGHT:
        return _Trial(mutant, "not judged", f"pytest exit {code}: {excerpt(output, tail=True)}")
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return _Trial(mutant, "caught", f"by {line.split(' ', 1)[1].split(' - ', 1)[0]}")
    return _Trial(mutant, "caught", f"(pytest exit {code})")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _evidence(ctx: CheckContext, trials: Sequence[_Trial], note: str, run: ToolRun | None) -> str:
    """A summary line, one line per mutant, the note and the command."""
    failed = [t for t in trials if t.failed]
    caught = sum(t.verdict == "caught" for t in trials)
    if failed:
        listed = ", ".join(f"{t.mutant.name} {t.verdict}" for t in failed)
        summary = f"{len(failed)} of {len(trials)} mutants not caught: {listed}"
    elif caught:
        summary = f"all {caught} applicable mutants caught by the tests"
    else:
        summary = "no mutant applies to this package, so nothing shows its tests can fail"
    adapter = f"{ctx.package.adapter_module}.py"
    tests = f"test_{adapter}" if f"test_{adapter}" in ctx.files else "the tests"
    lines = [summary, *(_line(t, adapter, tests) for t in trials)]
    if note:
        lines.append(note)
    if run is not None:
        lines.append(run.describe())
        if not run.ok:
            lines.append(excerpt(run.output, tail=True))
    return "\n".join(lines)


def _line(trial: _Trial, adapter: str, tests: str) -> str:
    head = f"- {trial.mutant.name} ({trial.mutant.fault})"
    if trial.verdict == "caught":
        return f"{head}: caught {trial.detail}"
    if trial.verdict == "survived":
        return (
            f"{head}: SURVIVED, the tests still pass ({trial.detail}); "
            f"{tests} needs {trial.mutant.missing_test}"
        )
    if trial.verdict == "not judged":
        return f"{head}: not judged, {trial.detail}"
    if trial.verdict == "cannot be applied":
        return (
            f"{head}: cannot be applied, {adapter} was restructured: {trial.detail}; "
            "nothing shows the tests would catch this fault"
        )
    return f"{head}: does not apply to this package"

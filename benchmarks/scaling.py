"""How `agentflow integrate create` grows with the API: 200, 2,000 and 20,000 endpoints.

Each measurement is a whole `integrate create --json` process, as a user or CI job runs it,
on a requirements file generated into a temporary directory (`specs.scaled_spec`): wall-clock
time (`time.perf_counter`) and peak resident set size (GNU time, when `/usr/bin/time` exists)
of every run, and the builder's own stage timings from the JSON report. Targets are judged on
the median; the exit code is 1 when a target is missed.

    python benchmarks/scaling.py                   # table
    python benchmarks/scaling.py --json            # machine-readable
    python benchmarks/scaling.py --record          # also write "scaling" into results.json
    python benchmarks/scaling.py --no-validated    # skip the validated builds (minutes)

Cases: 200 and 2,000 endpoints with `--no-validate` (one warm-up, which fills the template
cache, then `--repeat` runs) and fully validated (`--validated-repeat` runs, after the
unvalidated ones warmed the cache); 20,000 endpoints, which must be refused with exit 2
naming the endpoint limit, written in the short form (under 1 MiB, so the whole file is read
and validated) and in the explicit form (over 1 MiB: the size limit, before parsing).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.dont_write_bytecode = True  # no bytecode in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import GNU_TIME, RESULTS_FILE, agentflow_version, env_with, machine  # noqa: E402
from specs import compact_yaml, scaled_spec  # noqa: E402

SIZES = (200, 2000)
REFUSED = 20_000
RATIO_TARGET = 10.0
"""2,000 endpoints must take less than 10 times as long as 200: generation grows linearly."""
REFUSAL_TARGET_S = 3.0
"""20,000 endpoints must be refused within 3 s: one read of the file, nothing generated."""
ENDPOINT_LIMIT = "at most 2,000 endpoints are allowed in one requirements file, got 20,000"
SIZE_LIMIT = "file is larger than the 1 MiB limit"


@dataclass(frozen=True)
class Case:
    """One `integrate create` to time: its input, options and the outcome it must have."""

    name: str
    spec: str
    endpoints: int
    options: tuple[str, ...] = ()
    refusal: str | None = None
    """The diagnostic message a refused file must give (exit 2); None: must succeed."""
    validated: bool = False


@dataclass
class Result:
    """Timings of one case in seconds, peak RSS in MiB, the builder's stages (medians)."""

    name: str
    endpoints: int
    input_bytes: int
    runs: int
    min_s: float
    median_s: float
    max_s: float
    peak_rss_mib: float | None
    stages_s: dict[str, float] = field(default_factory=dict)
    checks_s: dict[str, float] = field(default_factory=dict)
    python_lines: int = 0


def write_inputs(directory: Path) -> dict[str, Path]:
    """The requirements files, named by their case `spec`."""
    directory.mkdir(parents=True)
    texts = {f"api-{n}.yaml": yaml.safe_dump(scaled_spec(n), sort_keys=False) for n in SIZES}
    texts[f"api-{REFUSED}-short.yaml"] = compact_yaml(REFUSED)
    texts[f"api-{REFUSED}.yaml"] = yaml.safe_dump(scaled_spec(REFUSED), sort_keys=False)
    for name, text in texts.items():
        (directory / name).write_text(text, encoding="utf-8")
    return {name: directory / name for name in texts}


def cases(validated: bool) -> list[Case]:
    """The cases in report order."""
    items = [
        Case(f"create {n:,} endpoints --no-validate", f"api-{n}.yaml", n, ("--no-validate",))
        for n in SIZES
    ]
    if validated:
        items += [
            Case(f"create {n:,} endpoints (validated)", f"api-{n}.yaml", n, validated=True)
            for n in SIZES
        ]
    items += [
        Case(
            f"create {REFUSED:,} endpoints, short form (refused)",
            f"api-{REFUSED}-short.yaml",
            REFUSED,
            ("--no-validate",),
            ENDPOINT_LIMIT,
        ),
        Case(
            f"create {REFUSED:,} endpoints, explicit form (refused)",
            f"api-{REFUSED}.yaml",
            REFUSED,
            ("--no-validate",),
            SIZE_LIMIT,
        ),
    ]
    return items


@dataclass(frozen=True)
class Finished:
    """One finished `integrate create`: wall seconds, peak RSS in MiB, exit code, output."""

    seconds: float
    rss_mib: float | None
    code: int
    stdout: str
    stderr: str


def run_command(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> Finished:
    """Run `argv` to completion under GNU time (when present) and time it.

    GNU time forks a small process before exec, so the RSS is the command's own (the largest
    of its processes), not this script's.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        wrapped = [str(GNU_TIME), "-f", "%M", "-o", report.name, *argv]
        command = wrapped if GNU_TIME.exists() else list(argv)
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        found = report.read().split()
    rss = int(found[-1]) / 1024 if found and found[-1].isdigit() else None
    return Finished(elapsed, rss, proc.returncode, proc.stdout, proc.stderr)


def checked(case: Case, done: Finished) -> dict[str, Any]:
    """The JSON report of one run; a `RuntimeError` unless it ended as the case requires."""
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except ValueError as exc:
        message = f"{case.name}: no JSON report (exit {done.code}):\n{done.stderr[-2000:]}"
        raise RuntimeError(message) from exc
    messages = [d["message"] for d in report.get("error", {}).get("diagnostics", [])]
    if case.refusal is None and (done.code != 0 or messages):
        raise RuntimeError(f"{case.name} failed (exit {done.code}):\n{done.stdout[-2000:]}")
    if case.refusal is not None and (done.code != 2 or messages != [case.refusal]):
        raise RuntimeError(
            f"{case.name}: expected exit 2 and {case.refusal!r}, got exit "
            f"{done.code}:\n{done.stdout[-2000:]}"
        )
    return report


def measure(
    case: Case, inputs: dict[str, Path], agentflow: Path, scratch: Path, repeat: int
) -> Result:
    """`repeat` timed runs of `case` (after one warm-up for unvalidated builds)."""
    env = env_with(agentflow.parent)
    times: list[float] = []
    peaks: list[float] = []
    reports: list[dict[str, Any]] = []
    lines = 0
    warm_up = not case.validated
    for index in range(repeat + warm_up):
        workdir = scratch / f"{case.spec}-{case.validated}-{index}"
        workdir.mkdir()
        argv = [str(agentflow), "integrate", "create", str(inputs[case.spec]), "--json"]
        done = run_command([*argv, "--output-dir", str(workdir), *case.options], workdir, env)
        report = checked(case, done)
        peaks += [done.rss_mib] if done.rss_mib is not None else []
        if index >= warm_up:
            times.append(done.seconds)
            reports.append(report)
        if index == 0 and case.refusal is None:
            lines = python_lines(workdir)
        shutil.rmtree(workdir)
    return Result(
        name=case.name,
        endpoints=case.endpoints,
        input_bytes=inputs[case.spec].stat().st_size,
        runs=repeat,
        min_s=round(min(times), 3),
        median_s=round(statistics.median(times), 3),
        max_s=round(max(times), 3),
        peak_rss_mib=round(max(peaks), 1) if peaks else None,
        stages_s=_medians([r.get("build_metrics", {}).get("stages", {}) for r in reports]),
        checks_s=_medians([_check_times(r) for r in reports]),
        python_lines=lines,
    )


def python_lines(directory: Path) -> int:
    """Lines of the generated Python files, not counting agentflow's own hidden copies."""
    found = directory.rglob("*.py")
    files = [p for p in found if not any(s.startswith(".") for s in p.relative_to(directory).parts)]
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files)


def _check_times(report: dict[str, Any]) -> dict[str, float]:
    checks = (report.get("validation") or {}).get("checks", [])
    return {c["name"]: c["duration_seconds"] for c in checks}


def _medians(samples: list[dict[str, float]]) -> dict[str, float]:
    keys = sorted({key for sample in samples for key in sample})
    return {k: round(statistics.median(s[k] for s in samples if k in s), 3) for k in keys}


def targets(results: list[Result]) -> list[dict[str, Any]]:
    """Each target with the figure measured and whether it was met."""
    by_name = {r.name: r for r in results}
    judged: list[dict[str, Any]] = []
    for suffix in ("--no-validate", "(validated)"):
        small = by_name.get(f"create {SIZES[0]:,} endpoints {suffix}")
        large = by_name.get(f"create {SIZES[1]:,} endpoints {suffix}")
        if small and large:
            ratio = large.median_s / small.median_s
            judged.append(_target(f"2,000 / 200 endpoints {suffix}", ratio, RATIO_TARGET, "x"))
    for result in results:
        if "refused" in result.name:
            judged.append(_target(result.name, result.median_s, REFUSAL_TARGET_S, "s"))
    return judged


def _target(name: str, measured: float, limit: float, unit: str) -> dict[str, Any]:
    status = "PASS" if measured < limit else "MISS"
    return {
        "name": name,
        "measured": round(measured, 2),
        "limit": limit,
        "unit": unit,
        "status": status,
    }


def print_table(results: list[Result], judged: list[dict[str, Any]]) -> None:
    """Human-readable report."""
    print(f"{'measurement':48} {'input':>9} {'min':>8} {'median':>8} {'max':>8} {'RSS MiB':>8}")
    for r in results:
        rss = "?" if r.peak_rss_mib is None else f"{r.peak_rss_mib:.0f}"
        size = f"{r.input_bytes / 1024:.0f} KiB"
        cells = [f"{s * 1000:6.0f}ms" for s in (r.min_s, r.median_s, r.max_s)]
        print(f"{r.name:48} {size:>9} {' '.join(cells)} {rss:>8}")
        if r.stages_s:
            print(
                "    stages: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in r.stages_s.items())
            )
        if r.checks_s:
            print("    checks: " + ", ".join(f"{k} {v:.1f} s" for k, v in r.checks_s.items()))
        if r.python_lines:
            print(f"    generated Python: {r.python_lines:,} lines")
    print("\ntargets (medians):")
    for t in judged:
        unit = t["unit"]
        print(f"  {t['name']:52} {t['measured']:6.2f}{unit} < {t['limit']:g}{unit}  {t['status']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per unvalidated case")
    parser.add_argument("--validated-repeat", type=int, default=1, help="runs per validated case")
    parser.add_argument("--no-validated", action="store_true", help="skip the validated builds")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--record", action="store_true", help=f"also write {RESULTS_FILE.name}")
    parser.add_argument(
        "--agentflow",
        type=Path,
        default=Path(sys.executable).parent / "agentflow",
        help="the agentflow executable (default: beside this Python)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.validated_repeat < 1:
        parser.error("--repeat and --validated-repeat must be at least 1")
    if not args.agentflow.exists():
        parser.error(f"{args.agentflow} does not exist; pass --agentflow")

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="agentflow-scaling-") as tmp:
        inputs = write_inputs(Path(tmp) / "inputs")
        scratch = Path(tmp) / "runs"
        scratch.mkdir()
        for case in cases(validated=not args.no_validated):
            print(f"measuring {case.name} …", file=sys.stderr)
            repeat = args.validated_repeat if case.validated else args.repeat
            results.append(measure(case, inputs, args.agentflow, scratch, repeat))
    judged = targets(results)
    report: dict[str, Any] = {
        "machine": machine(),
        "agentflow": agentflow_version(args.agentflow),
        "repeat": args.repeat,
        "validated_repeat": args.validated_repeat,
        "results": [asdict(r) for r in results],
        "targets": judged,
    }
    if args.record:
        kept = json.loads(RESULTS_FILE.read_text(encoding="utf-8")) if RESULTS_FILE.exists() else {}
        RESULTS_FILE.write_text(json.dumps(kept | {"scaling": report}, indent=2) + "\n", "utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        info = report["machine"]
        print(f"{info['cpus']} CPUs, {info['implementation']} {info['python']}, {info['system']}")
        print(f"agentflow {report['agentflow']}; targets judged on the median\n")
        print_table(results, judged)
    return 1 if any(t["status"] == "MISS" for t in judged) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as exc:
        sys.exit(f"error: {exc}")

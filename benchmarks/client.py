"""Speed of the API client agentflow generates, side by side with bare httpx and openai-python.

Two measurements of the golden GitHub package (`integrations/github`, imported from a copy of
its folder), each in fresh processes, as a program using the client runs:

- `--calls` (default 100) sequential calls of the client's one parameterless GET endpoint,
  found in the package's config.yaml (`get_user` today), with the client's default
  configuration: only the credential is set, `GITHUB_TOKEN=dummy`. Every stack sends to the
  same `httpx.MockTransport` answering 200 with a small JSON body (`client_calls.py`), and the
  figure is the time of the calls minus the transport handler's own. The same calls go
  through a bare `httpx.Client` (the floor) and through openai-python (its `models.retrieve`)
  when the interpreter has it. A run stops starting calls after `--budget` seconds (default
  10): its total is then projected from the calls after the first, and it is not repeated.
- The import time of the adapter module in a fresh interpreter, beside `import httpx` (its
  floor) and `import openai`.

    python benchmarks/client.py              # table; exit 1 if the target is missed
    python benchmarks/client.py --json       # machine-readable
    python benchmarks/client.py --record     # also store the figures under "client" in results.json
    python benchmarks/client.py --no-peers --calls 20 --repeat 3

All stacks run on one interpreter, so they share one httpx: that of the peers' virtualenv,
`benchmarks/.venv-client-peers` (openai 2.54.0, its last release built on httpx, and httpx
0.28.1; created on first use), or with `--no-peers` the Python running this script.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

sys.dont_write_bytecode = True  # no bytecode in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import RESULTS_FILE, ensure_venv, machine  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
PACKAGE = BENCH_DIR.parent / "integrations" / "github"
MODULE = "github_adapter"
CLIENT = "GitHubClient"
ENV_PREFIX = "GITHUB_"
"""The generated client reads settings from these variables: none may leak into a run."""
WORKER = BENCH_DIR / "client_calls.py"
PEERS_VENV = BENCH_DIR / ".venv-client-peers"
PEER_PACKAGES = ("openai==2.54.0", "httpx==0.28.1")
TARGET_S = 0.1
"""The generated client's own time for the calls, beyond the transport's."""
IMPORT_CODE = (
    "import sys, time; sys.path.insert(0, {path!r}); "
    "s = time.perf_counter(); import {module}; print(time.perf_counter() - s)"
)


@dataclass
class CallsResult:
    """`calls` sequential calls through one stack; seconds beyond the transport's own time."""

    stack: str
    runs: int
    calls: int
    made: int
    """Calls made by the shortest run: fewer than `calls` when a run was cut off."""
    min_s: float
    median_s: float
    max_s: float
    first_call_s: float
    per_call_s: float
    target_s: float | None
    status: str


@dataclass
class ImportResult:
    """Seconds of `import module` in a fresh interpreter."""

    module: str
    runs: int
    min_s: float
    median_s: float
    max_s: float


def stable_endpoint(package: Path) -> dict[str, Any]:
    """The first GET endpoint of config.yaml without parameters: its name may change, not it."""
    config = yaml.safe_load((package / "config.yaml").read_text(encoding="utf-8"))
    for endpoint in config["endpoints"]:
        plain = "{" not in endpoint["path"] and not endpoint.get("query") and not endpoint["body"]
        if endpoint["method"] == "GET" and plain:
            return {
                "method_name": endpoint["method_name"],
                "url": config["base_url"] + endpoint["path"],
                "env_var": config["auth"]["env_var"],
            }
    raise RuntimeError(f"{package / 'config.yaml'} has no GET endpoint without parameters")


def run_json(argv: Sequence[str], env: dict[str, str], cwd: Path) -> Any:
    """The JSON printed by `argv`; raise if it fails."""
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def versions(python: str, env: dict[str, str], cwd: Path) -> dict[str, str]:
    """Versions of httpx and openai in `python`; a package it lacks is left out."""
    code = (
        "import importlib.metadata as m, json\n"
        "found = {}\n"
        "for name in ('httpx', 'openai'):\n"
        "    try: found[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(found))"
    )
    found: dict[str, str] = run_json([python, "-c", code], env, cwd)
    return found


def projected(overheads: list[float], calls: int) -> float:
    """The total of `calls` calls: those made, and the rest at the mean of all but the first."""
    later = overheads[1:] or overheads
    return sum(overheads) + statistics.fmean(later) * (calls - len(overheads))


def measure_calls(
    stack: str, base: list[str], env: dict[str, str], cwd: Path, args: argparse.Namespace
) -> CallsResult:
    """One warm-up call, then up to `repeat` runs; a run cut off by the budget ends them."""
    argv = [*base, stack, "--budget", str(args.budget)]
    run_json([*argv, "--calls", "1"], env, cwd)
    runs: list[list[float]] = []
    while len(runs) < args.repeat and (not runs or len(runs[-1]) == args.calls):
        runs.append(run_json([*argv, "--calls", str(args.calls)], env, cwd)["overheads_s"])
    totals = [projected(run, args.calls) for run in runs]
    median = statistics.median(totals)
    target = TARGET_S if stack == "agentflow" else None
    return CallsResult(
        stack=stack,
        runs=len(runs),
        calls=args.calls,
        made=min(len(run) for run in runs),
        min_s=round(min(totals), 5),
        median_s=round(median, 5),
        max_s=round(max(totals), 5),
        first_call_s=round(statistics.median(run[0] for run in runs), 5),
        per_call_s=round(median / args.calls, 6),
        target_s=target,
        status="-" if target is None else ("PASS" if median < target else "MISS"),
    )


def measure_imports(
    modules: Sequence[str], python: str, env: dict[str, str], package: Path, repeat: int
) -> list[ImportResult]:
    """A warm-up round (it writes the bytecode), then `repeat` rounds importing each module in
    turn, so that a change in the machine's load falls on all of them alike."""
    times: dict[str, list[float]] = {module: [] for module in modules}
    for index in range(repeat + 1):
        for module, found in times.items():
            argv = [python, "-c", IMPORT_CODE.format(path=str(package), module=module)]
            seconds = float(run_json(argv, env, package.parent))
            if index:  # not the warm-up
                found.append(seconds)
    return [
        ImportResult(
            module=module,
            runs=repeat,
            min_s=round(min(found), 5),
            median_s=round(statistics.median(found), 5),
            max_s=round(max(found), 5),
        )
        for module, found in times.items()
    ]


def child_env(token_var: str) -> dict[str, str]:
    """This environment without the client's settings, and a dummy credential."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    return env | {token_var: "dummy"}


def run(python: str, args: argparse.Namespace) -> dict[str, Any]:
    """Both measurements on a copy of the package (whose bytecode stays out of the repository)."""
    endpoint = stable_endpoint(PACKAGE)
    with tempfile.TemporaryDirectory(prefix="agentflow-client-bench-") as tmp:
        package = Path(tmp) / PACKAGE.name
        shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
        env = child_env(endpoint["env_var"])
        found = versions(python, env, Path(tmp))
        peers = ["openai"] if "openai" in found else []
        base = [python, str(WORKER), "--url", endpoint["url"], "--package", str(package)]
        base += ["--module", MODULE, "--client", CLIENT, "--method", endpoint["method_name"]]
        calls = []
        for stack in ["agentflow", "httpx", *peers]:
            print(f"measuring {args.calls} calls through {stack} …", file=sys.stderr)
            calls.append(measure_calls(stack, base, env, Path(tmp), args))
        print("measuring imports …", file=sys.stderr)
        imports = measure_imports([MODULE, "httpx", *peers], python, env, package, args.repeat)
    return {
        "machine": machine(),
        "versions": found,
        "package": str(PACKAGE.relative_to(BENCH_DIR.parent)),
        "method": endpoint["method_name"],
        "repeat": args.repeat,
        "budget_s": args.budget,
        "calls": [asdict(result) for result in calls],
        "imports": [asdict(result) for result in imports],
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.{1 if seconds >= 0.01 else 3}f} ms"


def print_report(report: dict[str, Any]) -> None:
    """Human-readable report."""
    info = report["machine"]
    print(f"{info['cpus']} CPUs, {info['implementation']} {info['python']}, {info['system']}")
    print(", ".join(f"{k} {v}" for k, v in report["versions"].items()))
    print(f"{report['package']}: {report['method']}(); medians; budget {report['budget_s']:g} s\n")
    header = ["runs", "made", "min", "median", "max", "first call", "per call"]
    print(f"{'calls through':14} " + " ".join(f"{h:>11}" for h in header))
    for r in report["calls"]:
        made = f"{r['made']}/{r['calls']}"
        cells = [ms(r[k]) for k in ("min_s", "median_s", "max_s", "first_call_s", "per_call_s")]
        print(f"{r['stack']:14} {r['runs']:>11} {made:>11} " + " ".join(f"{c:>11}" for c in cells))
    for r in (r for r in report["calls"] if r["target_s"] is not None):
        how = "projected" if r["made"] < r["calls"] else "median"
        print(f"\ntarget: {r['stack']} {r['calls']} calls beyond the transport < ", end="")
        print(f"{ms(r['target_s'])}: {ms(r['median_s'])} ({how}) {r['status']}")
    print(f"\n{'import':14} " + " ".join(f"{h:>11}" for h in header[:1] + header[2:5]))
    for r in report["imports"]:
        cells = [str(r["runs"])] + [ms(r[k]) for k in ("min_s", "median_s", "max_s")]
        print(f"{r['module']:14} " + " ".join(f"{c:>11}" for c in cells))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="sequential calls per run")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds of calls per run")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--record", action="store_true", help=f"also write {RESULTS_FILE.name}")
    parser.add_argument(
        "--no-peers", action="store_true", help="run on this Python (openai if it has it)"
    )
    args = parser.parse_args(argv)
    if args.calls < 1 or args.repeat < 1 or args.budget <= 0:
        parser.error("--calls and --repeat must be at least 1, --budget positive")
    bin_dir = None if args.no_peers else ensure_venv(PEERS_VENV, PEER_PACKAGES)
    report = run(sys.executable if bin_dir is None else str(bin_dir / "python"), args)
    if args.record:
        kept = json.loads(RESULTS_FILE.read_text(encoding="utf-8")) if RESULTS_FILE.exists() else {}
        RESULTS_FILE.write_text(json.dumps(kept | {"client": report}, indent=2) + "\n", "utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 1 if any(r["status"] == "MISS" for r in report["calls"]) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as exc:
        sys.exit(f"error: {exc}")

"""Whole-process speed of agentflow's commands, side by side with the generators users compare.

Every measurement starts a fresh process, as a user or CI job does, and records wall-clock time
(`time.perf_counter`) over `--repeat` runs after one warm-up run, whose peak resident set size
is taken with GNU time (`/usr/bin/time`, when present). Targets are judged on the median; the
exit code is 1 when a target is missed.

    python benchmarks/run.py                 # table
    python benchmarks/run.py --json          # machine-readable
    python benchmarks/run.py --record        # also write benchmarks/results.json
    python benchmarks/run.py --no-peers      # agentflow only

Peers (openapi-python-client, copier) live in their own virtualenv, `benchmarks/.venv-peers`,
created on first use. Everything else happens in a temporary directory that is removed at the
end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True  # no bytecode in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))

from specs import write_specs  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SMALL_SPEC = REPO_ROOT / "examples" / "github.yaml"
PEERS_VENV = BENCH_DIR / ".venv-peers"
PEER_PACKAGES = ("openapi-python-client==0.29.1", "copier==9.19.1")
RESULTS_FILE = BENCH_DIR / "results.json"
GNU_TIME = Path("/usr/bin/time")
OTHER_RESULTS = ("llm", "scaling", "client", "drivers")
"""The keys of results.json that the other benchmark scripts write; --record keeps them."""
START = "start-up (--help)"
LARGE = "client for the 200-endpoint API"

ArgvFactory = Callable[[Path], list[str]]
"""Builds a command line given a fresh, empty working directory for one run."""


@dataclass(frozen=True)
class Measurement:
    """One command to time; `argv` gets a fresh empty directory for every run."""

    name: str
    tool: str
    argv: ArgvFactory
    env: dict[str, str]
    target_s: float | None = None
    count_output: bool = False
    group: str = ""
    """Measurements sharing a group are compared side by side."""


@dataclass
class Result:
    """Timings of one measurement, in seconds; RSS in MiB."""

    name: str
    tool: str
    runs: int
    min_s: float
    median_s: float
    max_s: float
    peak_rss_mib: float | None
    target_s: float | None
    status: str
    group: str
    output: dict[str, int] = field(default_factory=dict)


def run_once(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    """Run `argv` to completion and return its wall-clock seconds; raise if it fails."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            stderr.seek(0)
            message = stderr.read().decode("utf-8", "replace")[-2000:]
            raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{message}")
    return elapsed


def peak_rss_mib(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> float | None:
    """Run `argv` under GNU time and return its peak RSS in MiB (None without /usr/bin/time).

    GNU time forks a small process before exec, so the figure is the command's own; the
    `ru_maxrss` of a child started from this script would never drop below the script's RSS.
    """
    if not GNU_TIME.exists():
        run_once(argv, cwd, env)
        return None
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        run_once([str(GNU_TIME), "-f", "%M", "-o", report.name, *argv], cwd, env)
        return int(report.read().split()[-1]) / 1024


def count_python(directory: Path) -> dict[str, int]:
    """Number of Python files and their lines under `directory`."""
    files = [p for p in directory.rglob("*.py") if "__pycache__" not in p.parts]
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files)
    return {"python_files": len(files), "python_lines": lines}


def measure(item: Measurement, scratch: Path, repeat: int) -> Result:
    """Warm up once (recording peak RSS), then time `repeat` runs, each in a new empty directory."""
    times: list[float] = []
    peak: float | None = None
    output: dict[str, int] = {}
    for index in range(repeat + 1):
        workdir = scratch / f"{item.tool}-{index}"
        workdir.mkdir()
        if index == 0:
            peak = peak_rss_mib(item.argv(workdir), workdir, item.env)
            if item.count_output:
                output = count_python(workdir)
        else:
            times.append(run_once(item.argv(workdir), workdir, item.env))
        shutil.rmtree(workdir)
    median = statistics.median(times)
    status = "-" if item.target_s is None else ("PASS" if median < item.target_s else "MISS")
    return Result(
        name=item.name,
        tool=item.tool,
        runs=repeat,
        min_s=round(min(times), 4),
        median_s=round(median, 4),
        max_s=round(max(times), 4),
        peak_rss_mib=None if peak is None else round(peak, 1),
        target_s=item.target_s,
        status=status,
        group=item.group,
        output=output,
    )


def env_with(bin_dir: Path) -> dict[str, str]:
    """The current environment with `bin_dir` first on PATH and no colour codes."""
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["NO_COLOR"] = "1"
    env.pop("VIRTUAL_ENV", None)
    return env


def ensure_venv(venv: Path, packages: Sequence[str]) -> Path | None:
    """The bin directory of `venv` with `packages` installed: a marker file lists what the last
    successful installation put there, so a changed pin installs again. None (with a warning)
    when the installation fails."""
    marker = venv / "installed.txt"
    wanted = "".join(f"{package}\n" for package in packages)
    if marker.exists() and marker.read_text(encoding="utf-8") == wanted:
        return venv / "bin"
    print(f"installing {', '.join(packages)} into {venv} …", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *packages],
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        print(f"warning: peers unavailable ({exc}); measuring without them", file=sys.stderr)
        return None
    marker.write_text(wanted, encoding="utf-8")
    return venv / "bin"


def peer_versions(bin_dir: Path) -> dict[str, str]:
    """Installed versions of the peer packages."""
    code = (
        "import importlib.metadata as m, json;"
        "print(json.dumps({p: m.version(p) for p in ('openapi-python-client', 'copier')}))"
    )
    out = subprocess.run(
        [str(bin_dir / "python"), "-c", code], check=True, capture_output=True, text=True
    )
    versions: dict[str, str] = json.loads(out.stdout)
    return versions


def build_measurements(
    agentflow: Path, inputs: Path, package: Path, peers: Path | None
) -> list[Measurement]:
    """The measurements, in report order; `inputs` holds the specs, `package` a built package."""
    af_env = env_with(agentflow.parent)
    af = str(agentflow)
    small = str(inputs / "github.yaml")
    large = str(inputs / "large.yaml")
    items = [
        Measurement(
            "python -c pass (interpreter start-up)",
            "python",
            lambda w: [sys.executable, "-c", "pass"],
            af_env,
        ),
        Measurement(
            "--help", "agentflow", lambda w: [af, "--help"], af_env, target_s=0.150, group=START
        ),
        Measurement(
            "create 4 endpoints --no-validate",
            "agentflow",
            lambda w: [af, "integrate", "create", small, "--output-dir", str(w), "--no-validate"],
            af_env,
            count_output=True,
        ),
        Measurement(
            "create 4 endpoints (validated)",
            "agentflow",
            lambda w: [af, "integrate", "create", small, "--output-dir", str(w)],
            af_env,
        ),
        Measurement(
            "create 200 endpoints --no-validate",
            "agentflow",
            lambda w: [af, "integrate", "create", large, "--output-dir", str(w), "--no-validate"],
            af_env,
            target_s=1.0,
            count_output=True,
            group=LARGE,
        ),
        Measurement(
            "validate 4-endpoint package",
            "agentflow",
            lambda w: [af, "integrate", "validate", str(package)],
            af_env,
        ),
        Measurement(
            "validate 4-endpoint package --skip-tests",
            "agentflow",
            lambda w: [
                af,
                "integrate",
                "validate",
                str(package),
                "--skip-tests",
                "--min-score",
                "0",
            ],
            af_env,
        ),
    ]
    if peers is not None:
        peer_env = env_with(peers)
        client = str(peers / "openapi-python-client")
        openapi = str(inputs / "large.openapi.json")
        items += [
            Measurement(
                "--help",
                "openapi-python-client",
                lambda w: [client, "--help"],
                peer_env,
                group=START,
            ),
            Measurement(
                "--help",
                "copier",
                lambda w: [str(peers / "copier"), "--help"],
                peer_env,
                group=START,
            ),
            Measurement(
                "generate 200 endpoints (OpenAPI, --meta none)",
                "openapi-python-client",
                lambda w: [
                    client,
                    "generate",
                    "--path",
                    openapi,
                    "--output-path",
                    str(w / "client"),
                    "--meta",
                    "none",
                ],
                peer_env,
                count_output=True,
                group=LARGE,
            ),
        ]
    return items


def machine() -> dict[str, Any]:
    """A date-free description of the machine."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.machine()}",
    }


def print_table(results: list[Result]) -> None:
    """Human-readable report."""
    header = (
        f"{'tool':22} {'measurement':46} {'min':>8} {'median':>8} {'max':>8} {'RSS MiB':>8}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        target = "" if r.target_s is None else f"< {r.target_s * 1000:.0f} ms {r.status}"
        rss = "?" if r.peak_rss_mib is None else f"{r.peak_rss_mib:.1f}"
        print(
            f"{r.tool:22} {r.name:46} {r.min_s * 1000:6.0f}ms {r.median_s * 1000:6.0f}ms "
            f"{r.max_s * 1000:6.0f}ms {rss:>8}  {target}"
        )
    groups: dict[str, list[Result]] = {}
    for r in results:
        if r.group:
            groups.setdefault(r.group, []).append(r)
    print("\nside by side (median):")
    for group, members in groups.items():
        base = members[0]
        cells = [f"{base.tool} {base.median_s * 1000:.0f} ms"] + [
            f"{r.tool} {r.median_s * 1000:.0f} ms ({r.median_s / base.median_s:.2f}x)"
            for r in members[1:]
        ]
        print(f"  {group}: " + ", ".join(cells))
    outputs = [r for r in results if r.output]
    if outputs:
        print("\ngenerated Python:")
        for r in outputs:
            print(
                f"  {r.tool:22} {r.name:46} {r.output['python_files']:4d} files "
                f"{r.output['python_lines']:7d} lines"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--record", action="store_true", help=f"also write {RESULTS_FILE.name}")
    parser.add_argument("--no-peers", action="store_true", help="measure agentflow only")
    parser.add_argument(
        "--agentflow",
        type=Path,
        default=Path(sys.executable).parent / "agentflow",
        help="the agentflow executable (default: beside this Python)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not args.agentflow.exists():
        parser.error(f"{args.agentflow} does not exist; pass --agentflow")

    peers = None if args.no_peers else ensure_venv(PEERS_VENV, PEER_PACKAGES)
    with tempfile.TemporaryDirectory(prefix="agentflow-bench-") as tmp:
        root = Path(tmp)
        inputs = root / "inputs"
        write_specs(inputs)
        shutil.copyfile(SMALL_SPEC, inputs / "github.yaml")
        built = root / "package"
        built.mkdir()
        run_once(
            [
                str(args.agentflow),
                "integrate",
                "create",
                str(inputs / "github.yaml"),
                "--output-dir",
                str(built),
                "--no-validate",
            ],
            built,
            env_with(args.agentflow.parent),
        )
        scratch = root / "runs"
        scratch.mkdir()
        results = []
        for item in build_measurements(args.agentflow, inputs, built / "github", peers):
            print(f"measuring {item.tool} {item.name} …", file=sys.stderr)
            results.append(measure(item, scratch, args.repeat))

    report: dict[str, Any] = {
        "machine": machine(),
        "versions": {"agentflow": agentflow_version(args.agentflow)}
        | (peer_versions(peers) if peers else {}),
        "repeat": args.repeat,
        "results": [asdict(r) for r in results],
    }
    if args.record:
        kept = json.loads(RESULTS_FILE.read_text(encoding="utf-8")) if RESULTS_FILE.exists() else {}
        recorded = report | {k: kept[k] for k in OTHER_RESULTS if k in kept}
        RESULTS_FILE.write_text(json.dumps(recorded, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        info = report["machine"]
        print(f"{info['cpus']} CPUs, {info['implementation']} {info['python']}, {info['system']}")
        print(", ".join(f"{k} {v}" for k, v in report["versions"].items()))
        print(f"{args.repeat} timed runs each after one warm-up; targets judged on the median\n")
        print_table(results)
    return 1 if any(r.status == "MISS" for r in results) else 0


def agentflow_version(agentflow: Path) -> str:
    """`agentflow --version`, without the program name."""
    out = subprocess.run([str(agentflow), "--version"], check=True, capture_output=True, text=True)
    return out.stdout.strip().rsplit(" ", 1)[-1]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as exc:
        sys.exit(f"error: {exc}")

"""The generated PostgreSQL and RabbitMQ clients side by side with their bare drivers.

What the adapters' safety costs, as a ratio to the bare driver doing the same work with the
same guarantees (`driver_stacks.py` says what each stack does): 10,000 small queries through
the golden PostgreSQL package (`integrations/postgresql`, sync and async) against psycopg,
for information 10,000 single-row INSERTs (sync), and 10,000 messages published and
consumed through the golden RabbitMQ package
(`integrations/order_queue`) against pika. Target: each generated client at most 1.3x its
bare driver (medians).

A round opens every stack of a service (connected, table or queues declared: not timed) and
has them take turns by chunks of 500 operations, each turn led by the next stack, so that a
change in the machine's load falls on all of them alike; a short warm-up round comes first.
Beside the wall-clock time, the process's CPU time is summed: on a shared machine it moves
less than the wall clock, and it is where an adapter's own cost shows (the round trips are
the same for both). Nothing is a
pytest test: timings are measured and reported, never asserted. A service that is not
running is skipped, with the reason, and the others are still measured.

    python benchmarks/drivers.py                        # table; exit 1 if a target is missed
    python benchmarks/drivers.py --only postgresql --ops 2000 --repeat 3
    python benchmarks/drivers.py --json
    python benchmarks/drivers.py --record               # also store under "drivers" in results.json

URLs: BENCH_POSTGRESQL_URL (default postgresql://postgres@127.0.0.1:5432/test) and
BENCH_RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672/).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.dont_write_bytecode = True  # no bytecode in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))

import driver_stacks as stacks  # noqa: E402
from run import RESULTS_FILE, machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("postgresql", "order_queue")
TARGET_RATIO = 1.3
URLS = {
    "postgresql": os.environ.get(
        "BENCH_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
    ),
    "rabbitmq": os.environ.get("BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
}
DEFAULT_PORTS = {"postgresql": 5432, "rabbitmq": 5672}
CHUNK = 500


@dataclass(frozen=True)
class Stack:
    """One stack of a comparison; the first of each group is the floor the others are put to."""

    group: str
    service: str
    label: str
    session: stacks.Session
    target: float | None = None


STACKS = (
    Stack("PostgreSQL, sync", "postgresql", "psycopg", stacks.pg_bare),
    Stack("PostgreSQL, sync", "postgresql", "psycopg + pool", stacks.pg_pool),
    Stack("PostgreSQL, sync", "postgresql", "generated", stacks.pg_adapter, TARGET_RATIO),
    Stack("PostgreSQL, async", "postgresql", "psycopg", stacks.pg_bare_async),
    Stack("PostgreSQL, async", "postgresql", "generated", stacks.pg_adapter_async, TARGET_RATIO),
    Stack("PostgreSQL, insert", "postgresql", "psycopg", stacks.pg_bare_insert),
    Stack("PostgreSQL, insert", "postgresql", "generated", stacks.pg_adapter_insert),
    Stack("RabbitMQ", "rabbitmq", "pika, confirms", stacks.mq_pika),
    Stack("RabbitMQ", "rabbitmq", "pika, no confirms", stacks.mq_pika_unconfirmed),
    Stack("RabbitMQ", "rabbitmq", "generated", stacks.mq_adapter, TARGET_RATIO),
)


@dataclass
class Result:
    """One stack's timed rounds."""

    group: str
    label: str
    ops: int
    runs: int
    min_s: float
    median_s: float
    max_s: float
    per_op_us: float
    cpu_median_s: float
    phases_median_s: dict[str, float] = field(default_factory=dict)
    ratio: float | None = None
    cpu_ratio: float | None = None
    target: float | None = None
    status: str = "-"


def unreachable(service: str) -> str | None:
    """Why `service` cannot be measured, or None when it accepts connections."""
    parts = urlsplit(URLS[service])
    host, port = parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORTS[service]
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return None
    except OSError as exc:
        return f"{service} is not running on {host}:{port} ({exc.strerror or exc})"


def summarise(stack: Stack, ops: int, rounds: list[dict[str, float]]) -> Result:
    totals = [sum(v for k, v in phases.items() if k != "cpu") for phases in rounds]
    median = statistics.median(totals)
    phases = {
        name: round(statistics.median(r[name] for r in rounds), 4)
        for name in rounds[0]
        if name != "cpu"
    }
    return Result(
        group=stack.group,
        label=stack.label,
        ops=ops,
        runs=len(rounds),
        min_s=round(min(totals), 4),
        median_s=round(median, 4),
        max_s=round(max(totals), 4),
        per_op_us=round(median / ops * 1e6, 1),
        cpu_median_s=round(statistics.median(r["cpu"] for r in rounds), 4),
        phases_median_s=phases,
        target=stack.target,
    )


def compare(results: list[Result]) -> None:
    """Each result's ratio to the first of its group, and its status against the target."""
    floors: dict[str, Result] = {}
    for result in results:
        floor = floors.setdefault(result.group, result)
        if result is floor:
            continue
        result.ratio = round(result.median_s / floor.median_s, 3)
        result.cpu_ratio = round(result.cpu_median_s / floor.cpu_median_s, 3)
        if result.target is not None:
            result.status = "PASS" if result.ratio <= result.target else "MISS"


def one_round(members: list[Stack], ops: int) -> list[dict[str, float]]:
    """The stacks of one service opened together, then taking turns by `CHUNK` operations."""
    totals: list[defaultdict[str, float]] = [defaultdict(float) for _ in members]
    with ExitStack() as opened:
        chunks = [opened.enter_context(s.session(URLS[s.service])) for s in members]
        for turn, first in enumerate(range(0, ops, CHUNK)):
            count = min(CHUNK, ops - first)
            for index in range(turn, turn + len(members)):  # each turn, another goes first
                chunk, total = chunks[index % len(members)], totals[index % len(members)]
                cpu = time.process_time()
                for phase, seconds in chunk(first, count).items():
                    total[phase] += seconds
                total["cpu"] += time.process_time() - cpu
    return [dict(total) for total in totals]


def measure(chosen: list[Stack], ops: int, repeat: int) -> list[Result]:
    """A warm-up round of `ops // 10`, then `repeat` rounds, service by service."""
    services = list(dict.fromkeys(stack.service for stack in chosen))
    rounds: dict[str, list[dict[str, float]]] = {stack.label + stack.group: [] for stack in chosen}
    for service in services:
        members = [stack for stack in chosen if stack.service == service]
        print(f"warming up {service} …", file=sys.stderr)
        one_round(members, max(1, ops // 10))
        for number in range(1, repeat + 1):
            print(f"{service}: round {number}/{repeat} …", file=sys.stderr)
            for stack, timing in zip(members, one_round(members, ops), strict=True):
                rounds[stack.label + stack.group].append(timing)
    results = [summarise(stack, ops, rounds[stack.label + stack.group]) for stack in chosen]
    compare(results)
    return results


def versions() -> dict[str, str]:
    """Versions of the drivers measured."""
    found = {}
    for name in ("psycopg", "psycopg-pool", "pika"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def print_report(report: dict[str, Any]) -> None:
    """Human-readable report."""
    info = report["machine"]
    print(f"{info['cpus']} CPUs, {info['implementation']} {info['python']}, {info['system']}")
    print(", ".join(f"{k} {v}" for k, v in report["versions"].items()))
    print(
        f"{report['ops']:,} operations per round in turns of {report['chunk']}, "
        f"{report['repeat']} rounds; medians\n"
    )
    for service, reason in report["skipped"].items():
        print(f"skipped {service}: {reason}")
    header = f"{'comparison':18} {'stack':18} {'min':>8} {'median':>8} {'max':>8} {'per op':>9}"
    print(f"{header} {'ratio':>7} {'CPU':>8} {'ratio':>7}  target")
    print("-" * (len(header) + 34))
    for r in report["results"]:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        cpu_ratio = "" if r["cpu_ratio"] is None else f"{r['cpu_ratio']:.2f}x"
        target = "" if r["target"] is None else f"<= {r['target']}x {r['status']}"
        cells = " ".join(f"{r[k]:7.2f}s" for k in ("min_s", "median_s", "max_s"))
        print(
            f"{r['group']:18} {r['label']:18} {cells} {r['per_op_us']:6.1f} us {ratio:>7} "
            f"{r['cpu_median_s']:7.2f}s {cpu_ratio:>7}  {target}"
        )
        if len(r["phases_median_s"]) > 1:
            phases = ", ".join(f"{k} {v:.2f}s" for k, v in r["phases_median_s"].items())
            print(f"{'':37}{phases}")


def copy_packages(into: Path) -> None:
    """The golden packages, copied so that importing them writes nothing into the repository."""
    for name in PACKAGES:
        shutil.copytree(ROOT / "integrations" / name, into / name)
        sys.path.insert(0, str(into / name))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=10_000, help="queries or messages per run")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds")
    parser.add_argument("--only", choices=sorted(DEFAULT_PORTS), help="measure one service")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--record", action="store_true", help=f"also write {RESULTS_FILE.name}")
    args = parser.parse_args(argv)
    if args.ops < 10 or args.repeat < 1:
        parser.error("--ops must be at least 10 and --repeat at least 1")
    if args.record and args.only:
        parser.error("--record stores every service's figures together: leave out --only")
    services = [args.only] if args.only else sorted(DEFAULT_PORTS)
    skipped = {s: why for s in services if (why := unreachable(s)) is not None}
    chosen = [s for s in STACKS if s.service in services and s.service not in skipped]
    with tempfile.TemporaryDirectory(prefix="agentflow-drivers-") as tmp:
        copy_packages(Path(tmp))
        results = measure(chosen, args.ops, args.repeat) if chosen else []
    report_results = [asdict(r) for r in results]
    report: dict[str, Any] = {
        "machine": machine(),
        "versions": versions(),
        "ops": args.ops,
        "repeat": args.repeat,
        "skipped": skipped,
        "chunk": CHUNK,
        "results": report_results,
    }
    if args.record:
        kept = json.loads(RESULTS_FILE.read_text(encoding="utf-8")) if RESULTS_FILE.exists() else {}
        RESULTS_FILE.write_text(json.dumps(kept | {"drivers": report}, indent=2) + "\n", "utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 1 if any(r.status == "MISS" for r in results) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as exc:
        sys.exit(f"error: {exc}")

"""Create several packages in one run, in parallel, keeping each file's error as data.

Every requirements file is loaded first, in order, to learn the package directory it will
write: files that fail to load, and files that would write the same directory, fail before
any build starts, so no two builds ever race for one directory. The remaining files are built
`jobs` at a time in worker processes (building is CPU-bound and validation runs subprocesses).
A failing file yields a `BatchItem` holding its error while the others complete; results come
back in input order whatever order the builds finish in.

Warnings logged in a worker (under the `agentflow` logger) are relayed to this process's
logger, so they are shown as a single run shows them, each once.

Ctrl-C stops the batch cleanly: builds not started never start, running ones are interrupted
in their workers (which roll back a write in progress and remove their temporary folders), and
the workers' temporary files live in one folder of the batch, removed when the batch ends,
interrupted or not.

The pipeline and the process pool are imported where used: the CLI imports `MAX_JOBS` at start.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.errors import AgentflowError, InputError, OutputError

if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event as EventType
    from types import FrameType

    from agentflow.workflows import CreateResult

__all__ = ["MAX_JOBS", "BatchItem", "ProgressCallback", "batch_exit_code", "create_many"]

MAX_JOBS = 32


@dataclass(frozen=True)
class BatchItem:
    """One requirements file of a batch and what came of it: a result or the error it raised."""

    path: Path
    result: CreateResult | None = None
    error: AgentflowError | None = None


ProgressCallback = Callable[[BatchItem], None]


def create_many(
    paths: Sequence[str | Path],
    *,
    jobs: int = 1,
    on_progress: ProgressCallback | None = None,
    output_dir: str | Path = "integrations",
    **create_options: Any,
) -> list[BatchItem]:
    """Create a package per file, `jobs` at a time; one file's failure never stops the others.

    `create_options` are `create_integration`'s keyword arguments. `on_progress` is called in
    this process with each item as it finishes (completion order); the list returned is in
    input order.
    """
    if not paths:
        raise InputError("give at least one requirements file")
    if not 1 <= jobs <= MAX_JOBS:
        raise InputError(f"jobs must be between 1 and {MAX_JOBS}, not {jobs}")
    report = on_progress or _ignore
    items: dict[int, BatchItem] = {}
    for index, error in _preflight(paths, Path(output_dir)).items():
        items[index] = BatchItem(Path(paths[index]), error=error)
        report(items[index])
    options = {"output_dir": output_dir, **create_options}
    pending = [(index, paths[index]) for index in range(len(paths)) if index not in items]

    def finished(index: int, item: BatchItem) -> None:
        items[index] = item
        report(item)

    _build_all(pending, jobs=jobs, options=options, report=finished)
    return [items[index] for index in range(len(paths))]


def batch_exit_code(items: Sequence[BatchItem]) -> int:
    """0 when every file succeeded, else 1 if any failure is not an input error, else 2.

    Exit code 2 promises that fixing the input fixes the run; one generation or validation
    failure breaks that promise for the whole batch, so it wins.
    """
    codes = {item.error.exit_code for item in items if item.error is not None}
    return min(codes) if codes else 0


def _ignore(item: BatchItem) -> None:
    """The progress callback used when the caller gives none."""


def _preflight(paths: Sequence[str | Path], output_dir: Path) -> dict[int, AgentflowError]:
    """Errors found before building: files that do not load, unusable package folders, and
    files sharing a package."""
    from agentflow.spec.loader import load_spec
    from agentflow.writer import check_destination

    errors: dict[int, AgentflowError] = {}
    by_slug: dict[str, list[int]] = {}
    for index, path in enumerate(paths):
        try:
            slug = load_spec(path).spec.slug
            check_destination(output_dir / slug)
        except AgentflowError as exc:
            errors[index] = exc
            continue
        by_slug.setdefault(slug, []).append(index)
    for slug, indexes in by_slug.items():
        if len(indexes) > 1:
            names = ", ".join(str(paths[index]) for index in indexes)
            clash = OutputError(
                f"{names} would write the same package {output_dir / slug}; give each its "
                "own service name or create them in separate runs"
            )
            errors.update(dict.fromkeys(indexes, clash))
    return errors


def _build_all(
    pending: Sequence[tuple[int, str | Path]],
    *,
    jobs: int,
    options: dict[str, Any],
    report: Callable[[int, BatchItem], None],
) -> None:
    """Build each pending file and report it as it finishes: here for one job, else in a pool.

    On an interrupt (or any error here), builds not started are cancelled and running ones
    are interrupted; their temporary folders go with them. Workers ignore Ctrl-C from the
    terminal outside a build, so only this process decides when they stop.
    """
    if jobs == 1 or len(pending) < 2:
        for index, path in pending:
            report(index, _build_one(path, options))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")  # no fork: the caller may run threads
    cancelled, logs = context.Event(), context.Queue()
    relay = logging.handlers.QueueListener(logs, _Relay())
    relay.start()
    with tempfile.TemporaryDirectory(prefix="agentflow-batch-") as scratch:
        pool = ProcessPoolExecutor(
            min(jobs, len(pending)),
            mp_context=context,
            initializer=_start_worker,
            initargs=(cancelled, scratch, logs),
        )
        futures: dict[Future[BatchItem], int] = {}
        try:
            for index, path in pending:
                futures[pool.submit(_build_in_worker, path, options)] = index
            for future in as_completed(futures):
                report(futures[future], future.result())
        except BaseException:
            cancelled.set()
            for future in futures:
                future.cancel()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            relay.stop()


def _build_one(path: str | Path, options: dict[str, Any]) -> BatchItem:
    """Build one package; an agentflow error becomes data so the batch carries on."""
    from agentflow.workflows import create_integration

    try:
        return BatchItem(Path(path), result=create_integration(path, **options))
    except AgentflowError as exc:
        return BatchItem(Path(path), error=exc)


_cancelled = threading.Event()  # in a worker: the batch was cancelled


class _Relay(logging.Handler):
    """Hands a record logged in a worker to this process's logger of the same name."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


def _start_worker(cancelled: EventType, scratch: str, logs: Queue[logging.LogRecord]) -> None:
    """Set up a worker process: temporary files go to the batch's own folder (the parent
    removes it), warnings go to the parent, Ctrl-C is ignored outside a build, and once the
    batch is cancelled the build running here is interrupted as Ctrl-C would."""
    os.environ["TMPDIR"] = tempfile.tempdir = scratch
    logging.getLogger("agentflow").addHandler(logging.handlers.QueueHandler(logs))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    main = threading.main_thread().ident
    assert main is not None, "the main thread has started"
    watcher = threading.Thread(target=_interrupt_on, args=(cancelled, main), daemon=True)
    watcher.start()


def _interrupt_on(cancelled: EventType, thread: int) -> None:
    """Wait for the batch to be cancelled, then interrupt the main thread's build.

    The flag is set first, so a build that has not started yet sees it and never starts. The
    main thread only ever reads this process's own flag: an interrupt landing while it held
    the batch's shared event would leave that event locked for every process.
    """
    cancelled.wait()
    _cancelled.set()
    signal.pthread_kill(thread, signal.SIGINT)


def _build_in_worker(path: str | Path, options: dict[str, Any]) -> BatchItem:
    """`_build_one` in a worker: interruptible while it runs; not started once cancelled."""
    signal.signal(signal.SIGINT, _interrupt_once)
    try:
        if _cancelled.is_set():
            raise KeyboardInterrupt
        return _build_one(path, options)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _interrupt_once(signum: int, frame: FrameType | None) -> None:
    """Raise KeyboardInterrupt once: a second signal must not cut the clean-up short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt

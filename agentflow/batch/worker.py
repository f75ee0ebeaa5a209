"""Building a batch's files: here one at a time, or `jobs` at a time in worker processes.

Building is CPU-bound and validation runs subprocesses, so a batch with several jobs builds in
a pool of worker processes. Warnings logged in a worker (under the `agentflow` logger) are
relayed to this process's logger, so they are shown as a single run shows them, each once.

Ctrl-C stops the batch cleanly: builds not started never start, running ones are interrupted
in their workers (which roll back a write in progress and remove their temporary folders), and
the workers' temporary files live in one folder of the batch, removed when the batch ends,
interrupted or not.

`agentflow.batch` imports this module only when a batch runs, so the CLI's start-up does not
load logging, signals or the process pool.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.batch import BatchItem
from agentflow.errors import AgentflowError

if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event as EventType
    from types import FrameType

__all__ = ["build_all"]


def build_all(
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

"""One agentflow run at a time per package folder.

`create` holds this lock while it decides whether it may write and while it writes; `update`
holds it for the whole update. Two runs therefore never decide from the same state: the second
waits, then sees what the first wrote. The lock is a file beside the package folder (in its
parent): a new package does not exist yet when its creation is decided, and the package keeps
only the files agentflow generated. The file stays after use, empty (removing it could let two
runs each lock a different file); the operating system releases the lock when the process
holding it ends, however it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from agentflow.errors import AgentflowError, OutputError
from agentflow.package.transaction import file_error

__all__ = ["LOCK_TIMEOUT", "hold_lock_file", "lock_path", "package_lock"]

LOCK_TIMEOUT = 300.0


def lock_path(package_dir: Path) -> Path:
    """The lock file of a package folder: `.<name>.agentflow.lock` beside it."""
    return package_dir.parent / f".{package_dir.name}.agentflow.lock"


@contextmanager
def package_lock(package_dir: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lock of `package_dir` (a resolved path); wait up to `timeout` seconds for it.

    Creates the parent folder when missing, as writing the package would.
    """
    path = lock_path(package_dir)
    busy = OutputError(
        f"another agentflow run has been writing {package_dir} for {timeout:g} seconds; "
        "try again when it has finished"
    )

    def unwritable(exc: OSError) -> AgentflowError:
        return file_error("write into", path.parent, exc)

    with hold_lock_file(path, timeout=timeout, busy=busy, unwritable=unwritable):
        yield


@contextmanager
def hold_lock_file(
    path: Path,
    *,
    timeout: float,
    busy: AgentflowError,
    unwritable: Callable[[OSError], AgentflowError] | None = None,
) -> Iterator[None]:
    """Hold the lock file `path` for the block, creating its folder when missing.

    After waiting `timeout` seconds, `busy` is raised. An OSError while creating the folder
    or the lock file is raised as `unwritable(error)`, or as it is without `unwritable`.
    """
    lock = FileLock(path, timeout=timeout)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout as exc:
        raise busy from exc
    except OSError as exc:
        if unwritable is None:
            raise
        raise unwritable(exc) from exc
    try:
        yield
    finally:
        lock.release()

"""Change files inside a folder all or nothing, each by one rename, never through a link.

The writer changes a package that exists with `replace_files`. First every new file is
written into a scratch folder inside the package, and every file about to be replaced or
removed gets a hard link there as its backup: nothing a reader can see has changed yet, so a
full disk, a file-size limit or a permission error leaves the folder exactly as it was. Then
each change is one `os.replace` (or `os.unlink`), which writes no data, in the order given.
If one of them fails, or the run is interrupted, the changes already made are undone from the
backups, newest first. A file is therefore always wholly old or wholly new, never partial.

Only the paths named are looked at. A path that is a symlink, or that has a symlink among the
folders on its way inside the folder, is refused before anything changes: nothing is read or
written through a link, and every other entry (the user's files, links, empty folders, a
virtualenv) stays exactly as it is. New files and folders get the usual modes (umask applied).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from agentflow.errors import AgentflowError, GenerationError, OutputError

__all__ = [
    "Change",
    "file_error",
    "lstat_mode",
    "publish_file",
    "read_plain",
    "replace_files",
    "safe_relative_path",
    "write_tree",
]

Change = tuple[str, bytes | None]
"""A relative path and its new bytes; None removes the file."""

_DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})
# Hard links are not supported everywhere (some network and FAT file systems).
_NO_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV})


def safe_relative_path(name: str) -> PurePosixPath:
    """Check that a package-relative path is plain: relative, no `..`, no odd characters."""
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or "\0" in name
        or path.is_absolute()
        or any(part in {"", ".", ".."} for part in path.parts)
        or name != str(path)
    ):
        raise OutputError(f"refusing to write {name!r}: not a plain path inside the package")
    return path


def file_error(action: str, path: Path, exc: OSError, *, note: str = "") -> AgentflowError:
    """An OSError as agentflow's error: a full disk or a size limit fails the run (exit 1);
    anything else (no permission, a file in the way) is about the path given (exit 2)."""
    message = f"could not {action} {path}: {exc.strerror or exc}" + (f"; {note}" if note else "")
    return GenerationError(message) if exc.errno in _DISK_ERRORS else OutputError(message)


def _plain_path(root: Path, name: str) -> Path:
    """`root/name`, refused when it or a folder on its way inside `root` is a symlink or
    not a folder; parts that do not exist yet are fine."""
    parts = safe_relative_path(name).parts
    path = root
    for depth, part in enumerate(parts, start=1):
        path = path / part
        mode = lstat_mode(path)
        if mode is None:
            break
        if stat.S_ISLNK(mode):
            raise OutputError(
                f"{path} is a symlink inside the package; agentflow never reads or writes "
                "through a link there: replace it with a real "
                f"{'file' if depth == len(parts) else 'folder'} or remove it"
            )
        if depth < len(parts) and not stat.S_ISDIR(mode):
            raise OutputError(f"{path} is not a folder, so {root / name} cannot be written")
    return root.joinpath(*parts)


def read_plain(root: Path, name: str) -> bytes | None:
    """The bytes of the regular file `root/name`, None when it does not exist."""
    path = _plain_path(root, name)
    if _regular_mode(path) is None:
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        raise file_error("read", path, exc) from exc


def lstat_mode(path: Path) -> int | None:
    """The mode of `path` itself (a link is not followed), None when it does not exist."""
    try:
        return os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise file_error("read", path, exc) from exc


def write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` into the folder `root`, replacing files of the same names (the caller
    maps OSError)."""
    for name, data in sorted(files.items()):
        target = root.joinpath(*safe_relative_path(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@dataclass(frozen=True)
class _Step:
    """One change: `staged` replaces `target` (None: remove it); `backup` is the old file."""

    target: Path
    staged: Path | None
    backup: Path | None

    def apply(self) -> None:
        if self.staged is None:
            os.unlink(self.target)
        else:
            os.replace(self.staged, self.target)

    def undo(self) -> None:
        if self.backup is not None:
            os.replace(self.backup, self.target)
        else:
            self.target.unlink(missing_ok=True)


def replace_files(
    root: Path,
    changes: Sequence[Change],
    *,
    scratch: str,
    check: Callable[[], None] | None = None,
) -> None:
    """Apply `changes` to files under `root` all or nothing, in order.

    `scratch` (relative to `root`, created when missing) holds the staged files and backups
    while the changes run. `check` is called once everything is staged, right before the
    first change: it raises to leave `root` untouched. Files whose bytes already match are
    not rewritten.
    """
    created: list[Path] = []
    applied: list[_Step] = []
    work: Path | None = None
    try:
        work = _scratch_folder(root, scratch, created)
        steps = [
            step
            for index, (name, data) in enumerate(changes)
            if (step := _prepare(root, work, index, name, data, created)) is not None
        ]
        if check is not None:
            check()
        for step in steps:
            try:
                step.apply()
            except OSError as exc:
                note = f"{root} was left as it was"
                raise file_error("replace", step.target, exc, note=note) from exc
            applied.append(step)
    except BaseException:
        _undo(root, applied)
        raise
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        _remove_empty(reversed(created))
    _remove_empty(_emptied_folders(root, applied))


def _prepare(
    root: Path, work: Path, index: int, name: str, data: bytes | None, created: list[Path]
) -> _Step | None:
    """Stage one change and back up the file it replaces; None when there is nothing to do."""
    target = _plain_path(root, name)
    exists = _regular_mode(target) is not None
    if not exists and data is None:
        return None
    try:
        if exists and data is not None and target.read_bytes() == data:
            return None
        staged = backup = None
        if data is not None:
            _make_parents(root, target, created)
            staged = work / f"{index}.new"
            staged.write_bytes(data)
        if exists:
            backup = work / f"{index}.old"
            _link_or_copy(target, backup)
    except OSError as exc:
        raise file_error("write", target, exc, note=f"{root} was left as it was") from exc
    return _Step(target, staged, backup)


def _undo(root: Path, applied: Sequence[_Step]) -> None:
    """Undo the changes made, newest first; every one is tried even if one fails."""
    failed = []
    for step in reversed(applied):
        try:
            step.undo()
        except OSError:
            failed.append(str(step.target))
    if failed:
        raise OutputError(
            f"could not put back {', '.join(failed)}; {root} may mix old and new files"
        )


def _scratch_folder(root: Path, scratch: str, created: list[Path]) -> Path:
    """A new folder in `root/scratch`; the callers hold the folder's lock, so folders left
    there by a killed run are removed."""
    base = _plain_path(root, scratch)
    try:
        _make_parents(root, base / "_", created)
        for stale in base.glob("txn-*"):
            shutil.rmtree(stale, ignore_errors=True)
        return Path(tempfile.mkdtemp(prefix="txn-", dir=base))
    except OSError as exc:
        raise file_error("write", base, exc) from exc


def _make_parents(root: Path, target: Path, created: list[Path]) -> None:
    """Create the missing folders between `root` and `target`, remembering them."""
    missing = [p for p in target.relative_to(root).parents if not (root / p).is_dir()]
    for folder in reversed(missing):
        os.mkdir(root / folder)
        created.append(root / folder)


def _link_or_copy(source: Path, backup: Path) -> None:
    """A hard link keeps the very file (and costs no space); a copy where links fail."""
    try:
        os.link(source, backup)
    except OSError:
        shutil.copy2(source, backup)


def _emptied_folders(root: Path, applied: Iterable[_Step]) -> list[Path]:
    """Folders that held a removed file, deepest first, up to (not including) `root`."""
    folders = {
        parent
        for step in applied
        if step.staged is None
        for parent in step.target.parents
        if parent != root and root in parent.parents
    }
    return sorted(folders, key=lambda folder: len(folder.parts), reverse=True)


def _remove_empty(folders: Iterable[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            continue


def _regular_mode(path: Path) -> int | None:
    """The mode of the regular file at `path`, None when absent; anything else (a folder, a
    pipe) is refused."""
    mode = lstat_mode(path)
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(
            f"{path} is not a regular file, where agentflow generates one; move it aside"
        )
    return mode


def publish_file(path: Path, text: str, *, replace: bool) -> None:
    """Make `path` hold `text`, appearing all at once: written and synced beside it, then
    renamed into place (`replace`), or else linked there, which raises `FileExistsError`
    rather than replace a file that exists, even one created a moment ago.

    The file is created like any other (mode 0666 less the umask), not private the way
    temporary files are.
    """
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("x", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            _link_new(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _link_new(source: Path, path: Path) -> None:
    """Link `source` at `path`, which must not exist; where links are unsupported, claim
    `path` with an exclusive create, then rename over the claim."""
    try:
        os.link(source, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        os.replace(source, path)

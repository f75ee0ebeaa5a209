"""Make a stored version the live one at a target, inside a transaction.

Every deployed version stays in the target's store, so a rollback re-publishes stored bytes
rather than rebuilding; they are checked against the history first (`checked_copy`).

- `dist`: the live wheel and sdist of each package sit at the top of the folder.
- `index`: a PEP 503 "simple" index listing every version the history records. Versions
  newer than the live one are yanked (PEP 592), so installers pick the live one; the reason
  says what the history says: "rolled back to X", or "superseded by X" when an older version
  was deployed after it.
- `project`: the package folder is copied to the place named with `--into`, checked again for
  symlinks under the lock.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name
from packaging.version import Version

from agentflow.deploy.history import live_versions
from agentflow.deploy.record import DeploymentRecord
from agentflow.deploy.store import checked_copy
from agentflow.deploy.targets import Target, check_place
from agentflow.deploy.transaction import Transaction

__all__ = ["publish"]


def publish(
    change: Transaction,
    target: Target,
    record: DeploymentRecord,
    *,
    live: DeploymentRecord | None,
    history: Sequence[DeploymentRecord],
    scratch: Path,
) -> None:
    """Make `record`'s stored version the live one, replacing `live`.

    `history` is the target's history with `record` appended; `scratch` is a private folder.
    """
    if target.kind == "project":
        assert record.place is not None
        check_place(target.root, PurePosixPath(record.place))
        change.put_tree(checked_copy(target, record, scratch), target.root / record.place)
    elif target.kind == "dist":
        checked = checked_copy(target, record, scratch)
        for filename in sorted(set(live.artifacts if live else ()) - set(record.artifacts)):
            change.remove(target.root / filename)
        for filename in sorted(record.artifacts):
            change.put_file(checked / filename, target.root / filename)
    else:
        _publish_index(change, target, canonicalize_name(record.name), history, scratch)


def _publish_index(
    change: Transaction,
    target: Target,
    project: str,
    history: Sequence[DeploymentRecord],
    scratch: Path,
) -> None:
    records = [r for r in history if canonicalize_name(r.name) == project]
    live = live_versions(records)[-1]
    staged = scratch / "index" / project
    staged.mkdir(parents=True)
    links = []
    for deployed in _deployed_versions(records):
        checked = checked_copy(target, deployed, scratch)
        reason = _yank_reason(deployed.version, live, records)
        for filename, digest in sorted(deployed.artifacts.items()):
            shutil.copyfile(checked / filename, staged / filename)
            links.append(_link(filename, digest, reason))
    _write_page(staged / "index.html", f"Links for {project}", links)
    change.put_tree(staged, target.root / project)
    projects = sorted({project, *_listed_projects(target.root)})
    root_links = [f'<a href="{html.escape(p)}/">{html.escape(p)}</a>' for p in projects]
    _write_page(scratch / "index" / "index.html", "Simple index", root_links)
    change.put_file(scratch / "index" / "index.html", target.root / "index.html")


def _deployed_versions(records: Sequence[DeploymentRecord]) -> list[DeploymentRecord]:
    """The latest deploy record of each version, oldest version first."""
    latest = {r.version: r for r in records if r.action == "deploy" and r.artifacts}
    return [latest[v] for v in sorted(latest, key=Version)]


def _yank_reason(
    version: str, live: DeploymentRecord, records: Sequence[DeploymentRecord]
) -> str | None:
    """Why `version` is yanked (None when it is not): only versions above the live one are,
    and the reason is the history's last word on that version."""
    if Version(version) <= Version(live.version):
        return None
    superseded = reason = f"superseded by {live.version}"
    for record in records:
        if record.action == "deploy" and record.version == version:
            reason = superseded
        elif record.action == "rollback" and record.previous_version == version:
            reason = f"rolled back to {record.version}"
    return reason


def _listed_projects(root: Path) -> list[str]:
    """Projects already in the index, whoever put them there, so none drops off the root page."""
    return [
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "index.html").is_file()
    ]


def _link(filename: str, digest: str, yank_reason: str | None) -> str:
    name = html.escape(filename)
    attribute = "" if yank_reason is None else f' data-yanked="{html.escape(yank_reason)}"'
    return f'<a href="{name}#sha256={digest}"{attribute}>{name}</a>'


def _write_page(path: Path, title: str, links: list[str]) -> None:
    body = "\n".join(f"    {link}<br/>" for link in links)
    path.write_text(
        '<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" '
        f'content="1.0">\n    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n'
        f"{body}\n  </body>\n</html>\n",
        encoding="utf-8",
    )

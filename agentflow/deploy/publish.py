"""Make a stored version the live one at a target, inside a transaction.

Every deployed version stays in the target's store (`.agentflow-deploy/store/<name>/<version>`),
so a rollback re-publishes stored bytes rather than rebuilding:

- `dist`: the live wheel and sdist of each package sit at the top of the folder.
- `index`: a PEP 503 "simple" index; every stored version is listed, and versions newer than
  the live one are marked yanked (PEP 592), so installers pick the live one.
- `project`: the package folder is copied to the place named with `--into`.
"""

from __future__ import annotations

import hashlib
import html
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from agentflow.deploy.history import DeploymentRecord
from agentflow.deploy.targets import Target
from agentflow.deploy.transaction import Transaction

__all__ = ["PROJECT_COPY", "publish", "stored_version_dir"]

PROJECT_COPY = "package"


def stored_version_dir(target: Target, name: str, version: str) -> Path:
    """Where one deployed version's artifacts (or project copy) are kept."""
    return target.state_dir / "store" / canonicalize_name(name) / version


def publish(
    change: Transaction,
    target: Target,
    record: DeploymentRecord,
    previous: DeploymentRecord | None,
    scratch: Path,
) -> None:
    """Make `record`'s stored version the live one, replacing `previous`."""
    stored = stored_version_dir(target, record.name, record.version)
    if target.kind == "dist":
        _publish_dist(change, target.root, stored, record, previous)
    elif target.kind == "index":
        _publish_index(change, target, record, scratch)
    else:
        assert record.place is not None
        change.put_tree(stored / PROJECT_COPY, target.root / record.place)


def _publish_dist(
    change: Transaction,
    root: Path,
    stored: Path,
    record: DeploymentRecord,
    previous: DeploymentRecord | None,
) -> None:
    if previous is not None:
        for filename in sorted(set(previous.artifacts) - set(record.artifacts)):
            change.remove(root / filename)
    for filename in sorted(record.artifacts):
        change.put_file(stored / filename, root / filename)


def _publish_index(
    change: Transaction, target: Target, record: DeploymentRecord, scratch: Path
) -> None:
    project = canonicalize_name(record.name)
    staged = scratch / "index" / project
    staged.mkdir(parents=True)
    links = []
    versions = sorted((target.state_dir / "store" / project).iterdir(), key=_version_key)
    for version_dir in versions:
        yanked = _version_key(version_dir) > _version_key(Path(record.version))
        for artifact in sorted(version_dir.iterdir()):
            (staged / artifact.name).write_bytes(artifact.read_bytes())
            links.append(_link(artifact, yanked=yanked))
    _write_page(staged / "index.html", f"Links for {project}", links)
    change.put_tree(staged, target.root / project)
    projects = sorted({project, *_listed_projects(target.root)})
    root_links = [f'<a href="{html.escape(p)}/">{html.escape(p)}</a>' for p in projects]
    _write_page(scratch / "index" / "index.html", "Simple index", root_links)
    change.put_file(scratch / "index" / "index.html", target.root / "index.html")


def _listed_projects(root: Path) -> list[str]:
    """Projects already in the index, whoever put them there, so none drops off the root page."""
    return [
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "index.html").is_file()
    ]


def _version_key(version_dir: Path) -> tuple[int, Version | str]:
    try:
        return (1, Version(version_dir.name))
    except InvalidVersion:
        return (0, version_dir.name)


def _link(artifact: Path, *, yanked: bool) -> str:
    digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
    name = html.escape(artifact.name)
    attribute = ' data-yanked="rolled back"' if yanked else ""
    return f'<a href="{name}#sha256={digest}"{attribute}>{name}</a>'


def _write_page(path: Path, title: str, links: list[str]) -> None:
    body = "\n".join(f"    {link}<br/>" for link in links)
    path.write_text(
        '<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" '
        f'content="1.0">\n    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n'
        f"{body}\n  </body>\n</html>\n",
        encoding="utf-8",
    )

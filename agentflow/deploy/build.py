"""Turn a package folder into what a deploy ships: its files, checksum, wheel and sdist.

What ships is the package's files without hidden ones (`.env`, `.git`, agentflow's own
`.agentflow/`) and without tool leftovers, and never a line that looks like a secret. The
build runs the standard frontend (`python -m build`) on a temporary copy of the package, so
nothing (no `dist/`, no caches) is ever written into the package folder itself; hatchling
would put hidden files into the sdist, so the copy leaves them out.
"""

from __future__ import annotations

import email.parser
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from agentflow.errors import DeployError, Diagnostic, InputError
from agentflow.package.files import shipped_paths
from agentflow.package.metadata import METADATA_FILE, stable_metadata
from agentflow.secret_scan import find_secrets

__all__ = [
    "BuiltPackage",
    "build_artifacts",
    "content_sha256",
    "copy_package",
    "refuse_secrets",
]

BUILD_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class BuiltPackage:
    """The distribution name and version, and the wheel and sdist built for them."""

    name: str
    version: str
    artifacts: tuple[Path, ...]


def content_sha256(package_dir: Path) -> str:
    """One checksum of every file, ignoring timings and scores in metadata.json.

    Two generations of the same requirements get the same checksum, so redeploying them
    is recognised as a no-op.
    """
    digest = hashlib.sha256()
    for name in shipped_paths(package_dir):
        data = (package_dir / name).read_bytes()
        if name == METADATA_FILE:
            data = _stable_metadata(data)
        digest.update(f"{name}\0{hashlib.sha256(data).hexdigest()}\n".encode())
    return digest.hexdigest()


def _stable_metadata(raw: bytes) -> bytes:
    data = stable_metadata(raw)
    return raw if data is None else json.dumps(data, sort_keys=True).encode()


def copy_package(package_dir: Path, destination: Path) -> None:
    """Copy the package's files (no caches) into `destination`, keeping timestamps."""
    for name in shipped_paths(package_dir):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(package_dir / name, target)


def refuse_secrets(package_dir: Path, *, shown_as: Path) -> None:
    """Refuse a package that would ship a line looking like a secret; the value is never shown.

    `shown_as` is the folder named in the error (the user's, when `package_dir` is a copy).
    """
    findings = [
        finding
        for name in shipped_paths(package_dir)
        for finding in find_secrets(
            name, (package_dir / name).read_text(encoding="utf-8", errors="replace")
        )
    ]
    if findings:
        raise InputError(
            f"refusing to deploy {shown_as}: {len(findings)} line(s) look like hard-coded "
            "secrets; remove them and read secrets from environment variables",
            diagnostics=tuple(
                Diagnostic(
                    f.message,
                    file=str(shown_as / f.path),
                    line=f.line,
                )
                for f in findings
            ),
        )


def build_artifacts(package_dir: Path, scratch: Path, *, shown_as: Path) -> BuiltPackage:
    """Build a wheel and an sdist of a copy of the package inside `scratch`; errors name
    `shown_as` (the user's folder, when `package_dir` is a copy)."""
    source, outdir = scratch / "source", scratch / "out"
    copy_package(package_dir, source)
    command = [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(outdir)]
    if importlib.util.find_spec("build") is None:
        raise DeployError("building needs the 'build' package; pip install build")
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-isolation")  # offline and fast; else build fetches hatchling
    _run_build([*command, str(source)], shown_as)
    wheels = sorted(outdir.glob("*.whl"))
    sdists = sorted(outdir.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        raise DeployError(f"building {shown_as} did not give exactly one wheel and one sdist")
    name, version = _wheel_name_version(wheels[0])
    return BuiltPackage(name, version, (wheels[0], sdists[0]))


def _run_build(command: list[str], package_dir: Path) -> None:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise DeployError(f"building {package_dir} took over {exc.timeout:g}s") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise DeployError(f"building {package_dir} failed:\n{tail}")


def _wheel_name_version(wheel: Path) -> tuple[str, str]:
    """Name and version from the wheel's own METADATA: what installers will see."""
    with zipfile.ZipFile(wheel) as archive:
        entry = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        headers = email.parser.Parser().parsestr(archive.read(entry).decode("utf-8"))
    return str(headers["Name"]), str(headers["Version"])

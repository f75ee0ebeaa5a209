"""Generated packages run against real services: written out, checked, and their tests run
once with the package's URL variable set, so a live run proves the whole suite, nothing
skipped."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from services import Service

__all__ = ["check_style", "run", "run_live", "write_package"]


def run(args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """`args`' output; the test fails with that output when the command fails."""
    result = subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def write_package(files: Mapping[str, str], into: Path) -> Path:
    """The rendered `files` written below `into`."""
    for path, text in files.items():
        (into / path).parent.mkdir(parents=True, exist_ok=True)
        (into / path).write_text(text, encoding="utf-8")
    return into


def check_style(package: Path) -> None:
    """ruff, black and mypy (strict, from the package's own configuration) accept it."""
    bin_dir = Path(sys.executable).parent
    run([str(bin_dir / "ruff"), "check", "."], package)
    run([str(bin_dir / "black"), "--check", "."], package)
    run([sys.executable, "-m", "mypy"], package)


def run_live(package: Path, env_prefix: str, service: Service, *, verbose: bool = False) -> str:
    """The package's tests with `<env_prefix>_URL` set to `service`: every one passes and
    none is skipped. The password variable is unset, as the services need none."""
    env = {**os.environ, f"{env_prefix}_URL": service.url}
    env.pop(f"{env_prefix}_PASSWORD", None)
    args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs"]
    out = run([*args, "-v"] if verbose else args, package, env)
    summary = out.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "skipped" not in summary, out
    return out

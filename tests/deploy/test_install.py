"""Real end-to-end runs: real validation, and installing what was deployed into fresh venvs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from agentflow.deploy import deploy_package, rollback
from agentflow.errors import ValidationFailed

from .conftest import PackageMaker, snapshot

pytestmark = pytest.mark.slow


def fresh_venv(folder: Path) -> Path:
    """A new venv whose own site-packages come first; httpx and pytest come from ours."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    (Path(purelib.strip()) / "dev-tools.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def pip_install(python: Path, *args: str) -> None:
    _run(Path(sys.executable), "-m", "pip", "--python", str(python), "install", "-q", *args)


def _run(python: Path, *args: str, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PIP_INDEX_URL"}}
    done = subprocess.run(
        [str(python), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_deployed_wheel_installs_and_the_package_tests_pass(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    package = make_package()
    result = deploy_package(package, f"dist:{tmp_path / 'dist'}")  # real validation
    assert result.report is not None and result.report.score == 100.0
    python = fresh_venv(tmp_path / "venv")
    pip_install(python, "--no-index", "--find-links", str(tmp_path / "dist"), "github-integration")
    where = _run(
        python, "-c", "import github_adapter, github_utils; print(github_adapter.__file__)"
    )
    assert Path(where.strip()).is_relative_to(tmp_path / "venv")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for name in ("test_github_adapter.py", "pyproject.toml"):
        shutil.copy2(package / name, run_dir / name)
    output = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=run_dir)
    assert " passed" in output and "failed" not in output


@pytest.mark.usefixtures("validation_score")
def test_pip_installs_the_live_version_from_the_index(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    index = tmp_path / "simple"
    deploy_package(make_package(), f"index:{index}")
    deploy_package(make_package("0.2.0"), f"index:{index}")
    versions = []
    for step in ("after-deploy", "after-rollback"):
        if step == "after-rollback":
            rollback("github-integration", f"index:{index}")
        python = fresh_venv(tmp_path / step)
        pip_install(python, "--no-deps", "--index-url", index.as_uri(), "github-integration")
        code = "import importlib.metadata as m; print(m.version('github-integration'))"
        versions.append(_run(python, "-c", code).strip())
    assert versions == ["0.2.0", "0.1.0"]


def test_real_validation_gates_a_broken_package(make_package: PackageMaker, tmp_path: Path) -> None:
    package = make_package()
    with (package / "github_adapter.py").open("a", encoding="utf-8") as adapter:
        adapter.write("\ndef broken(:\n")
    with pytest.raises(ValidationFailed, match="below the minimum 90") as caught:
        deploy_package(package, f"dist:{tmp_path / 'dist'}")
    assert snapshot(tmp_path / "dist") == {}
    assert caught.value.report is not None

"""Fixtures for deploy tests: generated packages, a stand-in validator, tree snapshots."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from agentflow.deploy.build import BuiltPackage, build_artifacts, content_sha256
from agentflow.orchestration import IntegrationBuilder
from agentflow.spec.loader import load_spec
from agentflow.validation import CheckResult, ValidationReport

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "github.yaml"

PackageMaker = Callable[..., Path]


def report_scoring(score: float, package: str = "pkg") -> ValidationReport:
    """A report whose score is `score`: one passed and one failed check."""
    checks = (
        CheckResult("passes", score, True, "stand-in", 0.0),
        CheckResult("fails", 100.0 - score, False, "stand-in", 0.0),
    )
    return ValidationReport(package=package, checks=checks)


@pytest.fixture(scope="session")
def _generated(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """Generate each (version, description) once per session."""
    cache: dict[tuple[str, str], Path] = {}

    def generate(version: str, description: str) -> Path:
        key = (version, description)
        if key not in cache:
            text = EXAMPLE.read_text(encoding="utf-8")
            text = text.replace("description: GitHub REST API v3", f"description: {description}")
            folder = tmp_path_factory.mktemp("spec")
            spec = folder / "github.yaml"
            spec.write_text(f"{text}\nversion: {version}\n", encoding="utf-8")
            package = IntegrationBuilder(validate=False).build(load_spec(spec))
            package.save_to_directory(folder / "github")
            cache[key] = folder / "github"
        return cache[key]

    return generate


@pytest.fixture
def make_package(tmp_path: Path, _generated: Callable[[str, str], Path]) -> PackageMaker:
    """A fresh copy of the GitHub example package at `version`, in this test's tmp folder."""
    counter = iter(range(1000))

    def make(version: str = "0.1.0", description: str = "GitHub REST API v3") -> Path:
        destination = tmp_path / f"pkg{next(counter)}" / "github"
        shutil.copytree(_generated(version, description), destination)
        return destination

    return make


@pytest.fixture
def validation_score(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Replace the (slow) real validation with a report of a chosen score; 100 by default."""

    def set_score(score: float) -> None:
        monkeypatch.setattr(
            "agentflow.deploy.core.validate_package",
            lambda path: report_scoring(score, str(path)),
        )

    set_score(100.0)
    return set_score


@pytest.fixture(scope="session")
def _built_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], BuiltPackage]:
    """A real build of each distinct package content, made once per session."""
    cache: dict[str, BuiltPackage] = {}

    def build(package_dir: Path) -> BuiltPackage:
        key = content_sha256(package_dir)
        if key not in cache:
            cache[key] = build_artifacts(
                package_dir, tmp_path_factory.mktemp("build"), shown_as=package_dir
            )
        return cache[key]

    return build


@pytest.fixture
def cached_builds(
    monkeypatch: pytest.MonkeyPatch, _built_once: Callable[[Path], BuiltPackage]
) -> None:
    """Reuse real builds of identical content (hatchling builds are reproducible anyway)."""

    def build(package_dir: Path, scratch: Path, *, shown_as: Path) -> BuiltPackage:
        built = _built_once(package_dir)
        scratch.mkdir(parents=True)
        copies = tuple(Path(shutil.copy2(a, scratch / a.name)) for a in built.artifacts)
        return BuiltPackage(built.name, built.version, copies)

    monkeypatch.setattr("agentflow.deploy.core.build_artifacts", build)


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under `root`, by relative path."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): (path.read_bytes() if path.is_file() else None)
        for path in sorted(root.rglob("*"))
    }


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

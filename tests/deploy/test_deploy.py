"""deploy_package, rollback and list_deployments against real builds, for each target kind."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import agentflow.deploy.core as core
from agentflow.deploy import STATE_DIR, deploy_package, list_deployments, parse_target, rollback
from agentflow.deploy.build import BuiltPackage, build_artifacts
from agentflow.errors import (
    DeployConflict,
    DeployError,
    InputError,
    TargetError,
    ValidationFailed,
)
from agentflow.package.files import shipped_paths as package_files

from .conftest import PackageMaker, sha256_file, snapshot

pytestmark = pytest.mark.usefixtures("validation_score", "cached_builds")

WHEEL_1 = "github_integration-0.1.0-py3-none-any.whl"
SDIST_1 = "github_integration-0.1.0.tar.gz"


def test_dist_deploy_publishes_wheel_and_sdist_and_records_it(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    result = deploy_package(make_package(), f"dist:{tmp_path / 'dist'}")
    assert result.status == "deployed"
    published = sorted(p.name for p in (tmp_path / "dist").iterdir() if p.is_file())
    assert published == [WHEEL_1, SDIST_1]
    (entry,) = list_deployments(f"dist:{tmp_path / 'dist'}")
    assert entry == result.record
    assert (entry.action, entry.name, entry.slug, entry.version) == (
        "deploy",
        "github-integration",
        "github",
        "0.1.0",
    )
    assert entry.artifacts == {n: sha256_file(tmp_path / "dist" / n) for n in published}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.deployed_at)
    assert (entry.score, entry.min_score, entry.forced) == (100.0, 90.0, False)


def test_the_package_folder_is_left_untouched(make_package: PackageMaker, tmp_path: Path) -> None:
    package = make_package()
    before = snapshot(package)
    deploy_package(package, f"dist:{tmp_path / 'dist'}")
    assert snapshot(package) == before


def test_redeploying_identical_content_changes_nothing(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    target = f"index:{tmp_path / 'simple'}"
    first = deploy_package(make_package(), target)
    before = snapshot(tmp_path / "simple")
    again = deploy_package(make_package(), target)
    assert again.status == "unchanged"
    assert again.record == first.record
    assert snapshot(tmp_path / "simple") == before


def test_other_content_under_a_deployed_version_is_refused(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    target = f"dist:{tmp_path / 'dist'}"
    deploy_package(make_package(), target)
    before = snapshot(tmp_path / "dist")
    with pytest.raises(
        DeployConflict, match=r"0\.1\.0 is already deployed .* set a new `version:`"
    ):
        deploy_package(make_package(description="Changed"), target)
    with pytest.raises(DeployConflict):
        deploy_package(make_package(description="Changed"), target, dry_run=True)
    assert snapshot(tmp_path / "dist") == before


def test_the_gate_refuses_a_low_score_and_writes_nothing(
    make_package: PackageMaker, tmp_path: Path, validation_score: Callable[[float], None]
) -> None:
    validation_score(70.0)
    with pytest.raises(ValidationFailed, match="scored 70, below the minimum 90") as caught:
        deploy_package(make_package(), f"dist:{tmp_path / 'dist'}")
    assert caught.value.exit_code == 1
    assert not (tmp_path / "dist").exists()
    assert (
        deploy_package(make_package(), f"dist:{tmp_path / 'dist'}", min_score=60).record.forced
        is False
    )


def test_force_deploys_below_the_gate_and_says_so(
    make_package: PackageMaker, tmp_path: Path, validation_score: Callable[[float], None]
) -> None:
    validation_score(70.0)
    result = deploy_package(make_package(), f"dist:{tmp_path / 'dist'}", force=True)
    assert result.status == "deployed"
    assert result.record.forced is True
    assert result.to_dict()["forced"] is True
    assert list_deployments(f"dist:{tmp_path / 'dist'}")[0].score == 70.0


def test_dry_run_writes_nothing(make_package: PackageMaker, tmp_path: Path) -> None:
    target = f"index:{tmp_path / 'simple'}"
    planned = deploy_package(make_package(), target, dry_run=True)
    assert planned.status == "dry-run"
    assert planned.record.version == "0.1.0"
    assert not (tmp_path / "simple").exists()
    deploy_package(make_package(), target)
    before = snapshot(tmp_path / "simple")
    assert deploy_package(make_package(), target, dry_run=True).status == "unchanged"
    assert snapshot(tmp_path / "simple") == before


def test_dist_rollback_makes_the_previous_artifacts_live_again(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    target, dist = f"dist:{tmp_path / 'dist'}", tmp_path / "dist"
    deploy_package(make_package(), target)
    first = {p.name: p.read_bytes() for p in dist.iterdir() if p.is_file()}
    second = deploy_package(make_package("0.2.0"), target)
    assert second.record.previous_version == "0.1.0"
    assert sorted(p.name for p in dist.iterdir() if p.is_file()) == sorted(second.record.artifacts)
    back = rollback("github", target)
    assert (back.status, back.record.version, back.record.previous_version) == (
        "rolled-back",
        "0.1.0",
        "0.2.0",
    )
    assert {p.name: p.read_bytes() for p in dist.iterdir() if p.is_file()} == first
    assert [r.action for r in list_deployments(target)] == ["deploy", "deploy", "rollback"]
    with pytest.raises(DeployError, match="nothing to roll back to"):
        rollback("github-integration", target)
    with pytest.raises(InputError, match="never deployed"):
        rollback("stripe", target)
    with pytest.raises(InputError, match="nothing was ever deployed"):
        rollback("github", f"dist:{tmp_path / 'elsewhere'}")
    assert not (tmp_path / "elsewhere").exists()


def test_index_follows_pep_503_and_yanks_rolled_back_versions(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    root = tmp_path / "simple"
    deploy_package(make_package(), f"index:{root}")
    deploy_package(make_package("0.2.0"), f"index:{root}")
    assert '<a href="github-integration/">' in (root / "index.html").read_text()
    page = (root / "github-integration" / "index.html").read_text()
    for artifact in sorted((root / "github-integration").glob("github_integration-*")):
        assert f'href="{artifact.name}#sha256={sha256_file(artifact)}"' in page
    assert "data-yanked" not in page
    rollback("github-integration", f"index:{root}")
    page = (root / "github-integration" / "index.html").read_text()
    yanked = re.findall(r'<a href="([^"#]+)#[^"]+" data-yanked="rolled back to 0.1.0"', page)
    assert sorted(yanked) == [
        "github_integration-0.2.0-py3-none-any.whl",
        "github_integration-0.2.0.tar.gz",
    ]
    assert WHEEL_1 in page


def test_project_deploy_and_rollback_restore_the_copy_byte_for_byte(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    project = tmp_path / "app"
    (project / "src").mkdir(parents=True)
    (project / "src" / "main.py").write_text("print('app')\n")
    target = parse_target(f"project:{project}", into="src/vendor")
    package = make_package()
    deploy_package(package, target)
    placed = project / "src" / "vendor" / "github"
    assert package_files(placed) == package_files(package)
    for name in package_files(package):
        assert (placed / name).read_bytes() == (package / name).read_bytes(), name
    after_first = snapshot(project)
    result = deploy_package(make_package("0.2.0"), target)
    assert result.record.place == "src/vendor/github"
    assert 'version = "0.2.0"' in (placed / "pyproject.toml").read_text()
    rollback("github", target)
    assert _outside_state(snapshot(project)) == _outside_state(after_first)
    assert (project / STATE_DIR / "store" / "github-integration" / "0.2.0").is_dir()
    assert (project / "src" / "main.py").read_text() == "print('app')\n"


def test_a_folder_that_is_not_a_package_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(InputError, match="not a generated package"):
        deploy_package(tmp_path / "plain", f"dist:{tmp_path / 'dist'}")
    assert not (tmp_path / "dist").exists()


def _outside_state(tree: dict[str, bytes | None]) -> dict[str, bytes | None]:
    return {k: v for k, v in tree.items() if not k.startswith(STATE_DIR)}


def test_tool_folders_are_not_shipped_and_symlinks_are_refused(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    package = make_package()
    for folder in (".agentflow/pristine", "__pycache__", "dist", ".venv/lib"):
        (package / folder).mkdir(parents=True, exist_ok=True)
        (package / folder / "junk.py").write_text("junk = 1\n")
    files = package_files(package)
    assert "github_adapter.py" in files and "github_utils/retry.py" in files
    assert not [name for name in files if "junk" in name]
    (package / "linked.py").symlink_to(package / "github_adapter.py")
    with pytest.raises(InputError, match="linked.py is a symlink"):
        deploy_package(package, f"dist:{tmp_path / 'dist'}")
    assert not (tmp_path / "dist").exists()


def test_files_the_history_does_not_account_for_are_never_replaced(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    project = tmp_path / "app"
    (project / "vendor" / "github").mkdir(parents=True)
    (project / "vendor" / "github" / "mine.py").write_text("mine = 1\n")
    before = snapshot(project)
    target = parse_target(f"project:{project}", into="vendor")
    for dry_run in (True, False):
        with pytest.raises(TargetError, match="not deployed there by agentflow"):
            deploy_package(make_package(), target, dry_run=dry_run)
    assert _outside_state(snapshot(project)) == _outside_state(before)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / WHEEL_1).write_bytes(b"someone else's wheel")
    with pytest.raises(TargetError, match=WHEEL_1):
        deploy_package(make_package(), f"dist:{tmp_path / 'dist'}")
    assert (tmp_path / "dist" / WHEEL_1).read_bytes() == b"someone else's wheel"


def test_an_index_keeps_listing_projects_it_did_not_deploy(
    make_package: PackageMaker, tmp_path: Path
) -> None:
    root = tmp_path / "simple"
    (root / "other-lib").mkdir(parents=True)
    (root / "other-lib" / "index.html").write_text("<a href='other_lib-1.0.tar.gz'>x</a>")
    deploy_package(make_package(), f"index:{root}")
    page = (root / "index.html").read_text()
    assert '<a href="github-integration/">' in page and '<a href="other-lib/">' in page
    assert (root / "other-lib" / "index.html").read_text().startswith("<a href='other_lib")


def test_artifacts_named_unlike_the_distribution_are_never_recorded(
    make_package: PackageMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def misnamed_build(package_dir: Path, scratch: Path, *, shown_as: Path) -> BuiltPackage:
        scratch.mkdir(parents=True)
        (scratch / "other-0.1.0.tar.gz").write_bytes(b"not ours")
        return BuiltPackage("github-integration", "0.1.0", (scratch / "other-0.1.0.tar.gz",))

    monkeypatch.setattr(core, "build_artifacts", misnamed_build)
    with pytest.raises(DeployError, match="'other-0.1.0.tar.gz' is not a wheel or sdist of"):
        deploy_package(make_package(), f"dist:{tmp_path / 'dist'}")
    assert not (tmp_path / "dist").exists()


def test_a_failing_build_names_the_users_folder_not_the_private_copy(tmp_path: Path) -> None:
    copy = tmp_path / "private-copy"
    copy.mkdir()
    (copy / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    users = tmp_path / "integrations" / "github"
    with pytest.raises(DeployError, match=f"building {re.escape(str(users))} failed") as caught:
        build_artifacts(copy, tmp_path / "scratch", shown_as=users)
    assert "private-copy" not in str(caught.value).splitlines()[0]

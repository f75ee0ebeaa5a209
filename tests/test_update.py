"""`integrate update`: regeneration that keeps hand edits, conflicts, dry runs and versions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from user_entries import add_user_entries, tree_record, user_record

from agentflow import update
from agentflow.cli import main
from agentflow.errors import OutputError
from agentflow.package.lock import package_lock
from agentflow.package.merge import FileMerge
from agentflow.package.pristine import PRISTINE_DIR, STORE_DIR, read_pristine
from agentflow.package.writer import edited_files
from agentflow.update import UpdateResult, update_package

SPEC = """\
service: Demo
type: api
requirements:
  base_url: https://api.demo.test
  auth_type: bearer
  endpoints:
    - {method: GET, path: "/items/{item_id}"}
"""
WITH_LIST = SPEC + "    - {method: GET, path: /items, name: list_items}\n"
GET_ITEM = '''        """
        return self._call(
            "GET",
            _path("/items/{item_id}", {"item_id": item_id}),
            operation="get_item",
            params=_query({}, extra_query),
            options=_CallOptions(extra_headers, timeout, max_retries),
            parse=_as_is,
        )'''
HELPER = '''

def item_url(item_id: str) -> str:
    """The public web page of an item."""
    return f"https://demo.test/items/{item_id}"
'''

USER_TEST = """\
from demo_adapter import item_url


def test_item_url() -> None:
    assert item_url("7").endswith("/items/7")
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A freshly generated Demo package in tmp_path/out/demo."""
    spec = write(tmp_path / "demo.yaml", SPEC)
    out = str(tmp_path / "out")
    created = run("integrate", "create", str(spec), "--output-dir", out, "--no-validate")
    assert created.exit_code == 0, created.output
    return tmp_path / "out" / "demo"


def edit_by_hand(package: Path) -> None:
    """Add a line inside a method, a helper at the end of the adapter, and a file."""
    adapter = package / "demo_adapter.py"
    text = adapter.read_text()
    assert text.count(GET_ITEM) == 1
    edited = text.replace(
        GET_ITEM, GET_ITEM.replace('"""\n', '"""\n        item_id = str(item_id).strip()\n', 1)
    )
    adapter.write_text(edited + HELPER)
    write(package / "test_item_url.py", USER_TEST)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def version_of(package: Path) -> str:
    return str(json.loads((package / "metadata.json").read_text())["package_version"])


def test_update_keeps_hand_edits_and_adds_the_new_endpoint(package: Path, tmp_path: Path) -> None:
    edit_by_hand(package)
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    result = run("integrate", "update", str(package), str(spec), "--no-validate", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["files"]["demo_adapter.py"] == "merged"
    assert summary["files"]["test_demo_adapter.py"] == "updated"
    assert summary["conflicts"] == []
    adapter = (package / "demo_adapter.py").read_text()
    assert "        item_id = str(item_id).strip()\n" in adapter
    assert adapter.endswith(HELPER)
    assert "    def list_items(\n" in adapter
    assert "    async def list_items(\n" in adapter
    assert "api.list_items()" in (package / "test_demo_adapter.py").read_text()
    assert (package / "test_item_url.py").is_file()
    pristine = read_pristine(package)
    assert pristine is not None and "item_url" not in pristine["demo_adapter.py"]
    assert "def list_items" in pristine["demo_adapter.py"]


def test_a_second_update_keeps_the_edits_and_writes_nothing(package: Path) -> None:
    edit_by_hand(package)
    first = run("integrate", "update", str(package), "--no-validate")
    assert first.exit_code == 0, first.output
    before = snapshot(package)
    second = run("integrate", "update", str(package), "--no-validate", "--json")
    assert second.exit_code == 0, second.output
    assert json.loads(second.output)["status"] == "unchanged"
    assert json.loads(second.output)["files"] == {"demo_adapter.py": "kept"}
    assert snapshot(package) == before


def test_update_without_any_change_is_a_no_op(package: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in package.rglob("*")}
    result = run("integrate", "update", str(package), "--no-validate")
    assert result.exit_code == 0, result.output
    assert "unchanged, nothing written" in result.output
    assert {p: p.stat().st_mtime_ns for p in package.rglob("*")} == before


def test_overlapping_edits_are_written_with_conflict_markers(package: Path, tmp_path: Path) -> None:
    adapter = package / "demo_adapter.py"
    adapter.write_text(adapter.read_text().replace("https://api.demo.test", "https://staging.test"))
    spec = write(tmp_path / "v2.yaml", SPEC.replace("api.demo.test", "api.demo.test/v2"))
    result = run("integrate", "update", str(package), str(spec))
    assert result.exit_code == 3, result.output
    assert "conflict demo_adapter.py" in result.output
    assert "not run (conflicts to resolve first)" in result.output
    text = adapter.read_text()
    assert (
        "<<<<<<< yours\n"
        '    base_url: str = "https://staging.test"\n'
        "=======\n"
        '    base_url: str = "https://api.demo.test/v2"\n'
        ">>>>>>> generated\n"
    ) in text
    assert "https://api.demo.test/v2" in (package / "config.yaml").read_text()


def test_dry_run_prints_the_diff_and_writes_nothing(package: Path, tmp_path: Path) -> None:
    edit_by_hand(package)
    before = snapshot(package)
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    result = run("integrate", "update", str(package), str(spec), "--dry-run", "--no-validate")
    assert result.exit_code == 0, result.output
    assert "--- a/demo_adapter.py\n+++ b/demo_adapter.py\n" in result.output
    assert "+    def list_items(\n" in result.output
    assert "would update" in result.output
    assert snapshot(package) == before


def test_regeneration_bumps_the_patch_version_only_when_content_changes(
    package: Path, tmp_path: Path
) -> None:
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    assert version_of(package) == "0.1.0"
    assert run("integrate", "update", str(package), str(spec), "--no-validate").exit_code == 0
    assert version_of(package) == "0.1.1"
    assert 'version = "0.1.1"' in (package / "pyproject.toml").read_text()
    assert run("integrate", "update", str(package), str(spec), "--no-validate").exit_code == 0
    assert version_of(package) == "0.1.1"
    out = str(tmp_path / "out")
    write(spec, WITH_LIST + '    - {method: DELETE, path: "/items/{item_id}"}\n')
    forced = run("integrate", "create", str(spec), "--output-dir", out, "--force", "--no-validate")
    assert forced.exit_code == 0, forced.output
    assert version_of(package) == "0.1.2"
    again = run("integrate", "create", str(spec), "--output-dir", out, "--no-validate")
    assert "unchanged" in again.output
    assert version_of(package) == "0.1.2"


def test_recreating_an_unchanged_package_generates_it_once(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agentflow.build as build

    calls: list[str] = []
    real = build.generate_package

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append("generate")
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "generate_package", counted)
    spec = write(tmp_path / "demo.yaml", SPEC)
    again = run(
        "integrate", "create", str(spec), "--output-dir", str(package.parent), "--no-validate"
    )
    assert "unchanged" in again.output, again.output
    assert calls == ["generate"]
    changed = write(tmp_path / "demo.yaml", WITH_LIST)
    result = run(
        "integrate",
        "create",
        str(changed),
        "--output-dir",
        str(package.parent),
        "--force",
        "--no-validate",
    )
    assert result.exit_code == 0, result.output
    assert calls == ["generate"] * 3  # the probe at 0.1.0, then the package at 0.1.1
    assert version_of(package) == "0.1.1"


def test_an_explicit_version_always_wins(package: Path, tmp_path: Path) -> None:
    spec = write(tmp_path / "v.yaml", SPEC.replace("type: api\n", "type: api\nversion: 2.0.0\n"))
    assert run("integrate", "update", str(package), str(spec), "--no-validate").exit_code == 0
    assert version_of(package) == "2.0.0"
    spec = write(
        tmp_path / "v.yaml", WITH_LIST.replace("type: api\n", "type: api\nversion: 2.0.0\n")
    )
    assert run("integrate", "update", str(package), str(spec), "--no-validate").exit_code == 0
    assert version_of(package) == "2.0.0"


def test_create_force_refuses_an_edited_package_and_points_to_update(
    package: Path, tmp_path: Path
) -> None:
    edit_by_hand(package)
    before = snapshot(package)
    spec = write(tmp_path / "demo.yaml", WITH_LIST)
    out = str(tmp_path / "out")
    result = run("integrate", "create", str(spec), "--output-dir", out, "--force", "--no-validate")
    assert result.exit_code == 2
    assert "edited by hand (demo_adapter.py)" in result.output
    assert "agentflow integrate update" in result.output
    assert snapshot(package) == before


def test_deleted_files_stay_deleted_unless_the_generation_changed_them(
    package: Path, tmp_path: Path
) -> None:
    (package / "demo_utils" / "metrics.py").unlink()
    (package / "DEMO_INTEGRATION.md").unlink()
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    result = run("integrate", "update", str(package), str(spec), "--no-validate", "--json")
    files = json.loads(result.output)["files"]
    assert files["demo_utils/metrics.py"] == "left deleted"
    assert not (package / "demo_utils" / "metrics.py").exists()
    assert files["DEMO_INTEGRATION.md"] == "restored"
    assert "list_items" in (package / "DEMO_INTEGRATION.md").read_text()


def test_a_package_without_a_store_updates_only_when_unedited(package: Path) -> None:
    shutil.rmtree(package / STORE_DIR)
    assert run("integrate", "update", str(package), "--no-validate").exit_code == 0
    assert (package / PRISTINE_DIR / "demo_adapter.py").is_file()
    shutil.rmtree(package / STORE_DIR)
    edit_by_hand(package)
    refused = run("integrate", "update", str(package), "--no-validate")
    assert refused.exit_code == 2
    assert "no pristine store" in refused.output and "demo_adapter.py" in refused.output


def test_requirements_for_another_service_are_refused(package: Path, tmp_path: Path) -> None:
    spec = write(tmp_path / "other.yaml", SPEC.replace("service: Demo", "service: Other"))
    result = run("integrate", "update", str(package), str(spec), "--no-validate")
    assert result.exit_code == 2
    assert "holds 'demo'" in result.output


@pytest.mark.slow
def test_merged_package_is_validated_and_its_own_tests_pass(package: Path, tmp_path: Path) -> None:
    edit_by_hand(package)
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    result = run("integrate", "update", str(package), str(spec))
    assert result.exit_code == 0, result.output
    assert "validation of the merged package: 90.0/100" in result.output
    recorded = json.loads((package / "metadata.json").read_text(encoding="utf-8"))["validation"]
    assert recorded["score"] == 90.0 and recorded["checks"]["unedited"] is False
    assert recorded["isolation"]["environment"] == "scrubbed"
    env = {k: v for k, v in os.environ.items() if k != "DEMO_TOKEN"}
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"],
        cwd=package,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    for name in [
        "test_item_url.py::test_item_url",
        "test_demo_adapter.py::test_list_items_sends_its_request",
        "test_demo_adapter.py::test_list_items_sends_its_request_async",
    ]:
        assert f"PASSED {name}" in tests.stdout


@pytest.mark.slow
def test_a_score_below_the_minimum_exits_1_but_the_clean_merge_is_written(
    package: Path, tmp_path: Path
) -> None:
    edit_by_hand(package)
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    result = run("integrate", "update", str(package), str(spec), "--min-score", "95")
    assert result.exit_code == 1, result.output
    assert "below the minimum 95" in result.output
    assert "def list_items" in (package / "demo_adapter.py").read_text()


def test_metadata_without_the_recorded_input_needs_the_requirements_file(
    package: Path, tmp_path: Path
) -> None:
    metadata_file = package / "metadata.json"
    metadata = json.loads(metadata_file.read_text())
    del metadata["source_spec"]
    metadata_file.write_text(json.dumps(metadata))
    refused = run("integrate", "update", str(package), "--no-validate")
    assert refused.exit_code == 2
    assert "pass the requirements file" in refused.output
    spec = write(tmp_path / "demo.yaml", SPEC)
    assert run("integrate", "update", str(package), str(spec), "--no-validate").exit_code == 0
    assert "source_spec" in json.loads(metadata_file.read_text())


@pytest.mark.slow
def test_update_from_inside_the_package_folder(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    monkeypatch.chdir(package)
    result = run("integrate", "update", ".", str(spec))
    assert result.exit_code == 0, result.output
    assert "validation of the merged package: 100.0/100" in result.output
    assert "def list_items" in (package / "demo_adapter.py").read_text()


def test_update_leaves_links_empty_folders_and_a_virtualenv_as_they_are(
    package: Path, tmp_path: Path
) -> None:
    add_user_entries(package, tmp_path / "outside")
    before = user_record(package)
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    result = run("integrate", "update", str(package), str(spec), "--no-validate")
    assert result.exit_code == 0, result.output
    assert "def list_items" in (package / "demo_adapter.py").read_text()
    assert user_record(package) == before
    assert (tmp_path / "outside" / "notes.md").read_text() == "shared notes\n"


def test_an_edit_saved_while_update_runs_is_kept_and_nothing_is_written(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = package / "demo_adapter.py"
    saved = adapter.read_text() + "# saved while the update ran\n"
    merge_all = update._merge_all

    def merge_then_save(root: Path, *args: dict[str, str]) -> list[FileMerge]:
        merges = merge_all(root, *args)
        adapter.write_text(saved)  # after the merge read it, before anything is written
        return merges

    monkeypatch.setattr(update, "_merge_all", merge_then_save)
    before = {k: v for k, v in tree_record(package).items() if k != "demo_adapter.py"}
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    result = run("integrate", "update", str(package), str(spec), "--no-validate")
    assert result.exit_code == 2, result.output
    assert f"demo_adapter.py changed in {package} while agentflow was working" in result.output
    assert "nothing was written" in result.output
    assert adapter.read_text() == saved
    assert {k: v for k, v in tree_record(package).items() if k != "demo_adapter.py"} == before


def test_update_holds_the_package_lock_from_start_to_end(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    merge_all, locked = update._merge_all, []

    def merge_while_locked(root: Path, *args: dict[str, str]) -> list[FileMerge]:
        busy = pytest.raises(OutputError, match="another agentflow run has been writing")
        with busy, package_lock(root, timeout=0.1):
            pass
        locked.append(root)
        return merge_all(root, *args)

    monkeypatch.setattr(update, "_merge_all", merge_while_locked)
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    assert update_package(package, spec, validate=False).status == "updated"
    assert locked == [package]


def test_update_waits_while_another_run_holds_the_package_lock(
    package: Path, tmp_path: Path
) -> None:
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    results: list[UpdateResult] = []
    updating = threading.Thread(
        target=lambda: results.append(update_package(package, spec, validate=False))
    )
    with package_lock(package):
        updating.start()
        updating.join(1.0)
        assert updating.is_alive()
        assert "def list_items" not in (package / "demo_adapter.py").read_text()
    updating.join(60)
    assert [result.status for result in results] == ["updated"]
    assert "def list_items" in (package / "demo_adapter.py").read_text()


def test_update_refuses_to_write_through_a_symlink_in_the_package(
    package: Path, tmp_path: Path
) -> None:
    shared = write(tmp_path / "shared_config.yaml", (package / "config.yaml").read_text())
    (package / "config.yaml").unlink()
    os.symlink(shared, package / "config.yaml")
    spec = write(tmp_path / "v2.yaml", SPEC.replace("api.demo.test", "api.demo.test/v2"))
    before = tree_record(tmp_path)
    result = run("integrate", "update", str(package), str(spec), "--no-validate")
    assert result.exit_code == 2
    assert f"error: {package / 'config.yaml'} is a symlink inside the package" in result.output
    assert "Traceback" not in result.output
    assert tree_record(tmp_path) == before


def test_a_package_folder_that_is_a_symlink_is_refused(package: Path, tmp_path: Path) -> None:
    os.symlink(package, tmp_path / "link")
    result = run("integrate", "update", str(tmp_path / "link"), "--no-validate")
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'link'} is a symlink" in result.output


@pytest.mark.parametrize(
    "files",
    [[], "demo_adapter.py", None, {"../outside.py": {"sha256": "0" * 64}}],
    ids=["list", "string", "null", "a path outside the package"],
)
def test_metadata_files_of_the_wrong_type_fall_back_to_the_store(
    package: Path, files: object
) -> None:
    metadata_file = package / "metadata.json"
    metadata = json.loads(metadata_file.read_text())
    metadata_file.write_text(json.dumps({**metadata, "files": files}))
    assert run("integrate", "update", str(package), "--no-validate").exit_code == 0
    assert edited_files(package) == ()
    metadata_file.write_text(json.dumps({**metadata, "files": files}))
    shutil.rmtree(package / STORE_DIR)
    refused = run("integrate", "update", str(package), "--no-validate")
    assert refused.exit_code == 2
    assert "cannot tell which files were edited by hand" in refused.output
    assert "Traceback" not in refused.output


def test_update_completes_a_write_cut_short_by_a_killed_process(
    package: Path, tmp_path: Path
) -> None:
    spec = write(tmp_path / "demo2.yaml", WITH_LIST)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_DURING_RENAMES, str(spec), str(package.parent)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == 9, killed.stderr
    assert "list_items" in (package / "DEMO_INTEGRATION.md").read_text()  # renamed first
    assert "def list_items" not in (package / "demo_adapter.py").read_text()  # not yet
    assert edited_files(package) == ("DEMO_INTEGRATION.md", "config.yaml")
    result = run("integrate", "update", str(package), str(spec), "--no-validate", "--json")
    assert result.exit_code == 0, result.output
    files = json.loads(result.output)["files"]
    assert files["demo_adapter.py"] == "updated" and "DEMO_INTEGRATION.md" not in files
    assert edited_files(package) == ()
    assert not list((package / STORE_DIR).glob("txn-*"))
    out = str(package.parent)
    again = run("integrate", "create", str(spec), "--output-dir", out, "--no-validate")
    assert "unchanged, nothing written" in again.output


KILLED_DURING_RENAMES = """
import os, sys
from agentflow.cli import main

real_replace, calls = os.replace, []

def replace(*args):
    if os.fspath(args[1]).startswith(sys.argv[2]):  # the package's files, not a cache's
        calls.append(args)
    if len(calls) == 3:
        os._exit(9)
    real_replace(*args)

os.replace = replace
main(["integrate", "create", sys.argv[1], "--output-dir", sys.argv[2], "--force", "--no-validate"])
"""

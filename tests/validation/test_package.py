"""A folder that is not a readable package is an input error that says what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentflow.errors import InputError
from agentflow.package.files import checked_paths as list_package_files
from agentflow.validation import validate_package
from agentflow.validation.package import load_package

from .packages import PackageFactory


def test_missing_directory_is_an_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(InputError, match="is not a directory") as caught:
        validate_package(missing)
    assert str(missing) in str(caught.value)
    assert caught.value.exit_code == 2


def test_folder_without_metadata_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        validate_package(tmp_path)
    message = str(caught.value)
    assert f"{tmp_path} has no metadata.json" in message
    assert "agentflow integrate create" in message


def test_corrupt_metadata_names_file_and_line(make_package: PackageFactory) -> None:
    path = make_package()
    (path / "metadata.json").write_text('{\n  "slug": "demo",\n  oops\n}', encoding="utf-8")
    with pytest.raises(InputError, match=r"metadata\.json:3:3: not valid JSON"):
        validate_package(path)


def test_metadata_that_is_not_an_object_is_rejected(make_package: PackageFactory) -> None:
    path = make_package()
    (path / "metadata.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match="expected a JSON object, got list"):
        load_package(path)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("slug", None, "missing or empty 'slug'"),
        ("pattern", "", "missing or empty 'pattern'"),
        ("slug", "bad slug; import os", "'slug' must be a Python identifier"),
    ],
)
def test_required_metadata_keys_are_checked(
    make_package: PackageFactory, key: str, value: str | None, expected: str
) -> None:
    path = make_package()
    metadata = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    metadata[key] = value
    (path / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(InputError, match=expected):
        load_package(path)


def test_load_package_reads_slug_and_pattern(make_package: PackageFactory) -> None:
    package = load_package(make_package(slug="demo", pattern="api"))
    assert (package.slug, package.pattern, package.adapter_module) == (
        "demo",
        "api",
        "demo_adapter",
    )


def test_package_files_leave_out_metadata_and_caches(make_package: PackageFactory) -> None:
    path = make_package()
    (path / ".pytest_cache").mkdir()
    (path / ".pytest_cache" / "v").write_text("x", encoding="utf-8")
    (path / "demo_utils" / "__pycache__").mkdir()
    (path / "demo_utils" / "__pycache__" / "retry.cpython-311.pyc").write_bytes(b"\0")
    assert list_package_files(path) == [
        "DEMO_INTEGRATION.md",
        "config.yaml",
        "demo_adapter.py",
        "demo_utils/__init__.py",
        "demo_utils/retry.py",
        "examples.py",
        "pyproject.toml",
        "test_demo_adapter.py",
    ]

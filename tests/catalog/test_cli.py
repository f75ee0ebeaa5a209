"""`agentflow integrate catalog` and `agentflow integrate init`: output, files and exit codes."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from agentflow.catalog import CatalogEntry, find_entry, list_entries
from agentflow.catalog import starter as starter_module
from agentflow.cli import main
from agentflow.errors import OutputError
from agentflow.spec.loader import load_spec, parse_spec


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["integrate", *args], catch_exceptions=False)


def test_catalog_lists_every_entry_with_its_type_address_and_status() -> None:
    result = CliRunner().invoke(main, ["integrate", "catalog"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    header, *rows = [line.split() for line in result.stdout.splitlines()]
    assert header == ["service", "slug", "type", "base", "URL", "/", "endpoint", "generates"]
    expected = [
        [
            *e.name.split(),
            e.slug,
            e.pattern,
            e.address,
            *("yes" if e.generates else "not yet").split(),
        ]
        for e in list_entries()
    ]
    assert rows == expected
    assert ["Redis", "redis", "database", "redis://localhost:6379/0", "yes"] in rows


def test_catalog_json_is_the_library_listing() -> None:
    result = run("catalog", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [entry.to_dict() for entry in list_entries()]


@pytest.mark.parametrize("entry", list_entries(), ids=lambda entry: entry.slug)
def test_init_prints_a_commented_requirements_file_equal_to_the_entry(
    entry: CatalogEntry,
) -> None:
    result = run("init", entry.slug)
    assert result.exit_code == 0, result.output
    header, body = result.stdout.split("\n#\n", 1)
    assert f"agentflow service catalog (entry {entry.slug!r}" in header
    assert f"#   agentflow integrate create {entry.slug}.yaml" in header
    assert body == entry.text
    assert parse_spec(result.stdout, source="stdout").spec == entry.document().spec
    assert (result.stderr == "") == entry.generates


def test_init_writes_the_file_and_says_what_to_run_next(tmp_path: Path) -> None:
    target = tmp_path / "my github.yaml"
    result = run("init", "GitHub", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert f"agentflow integrate create '{target}'" in result.stdout
    assert f"#   agentflow integrate create '{target}'" in target.read_text(encoding="utf-8")
    assert load_spec(target).spec == find_entry("github").document().spec
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my github.yaml"]


def test_init_then_create_builds_the_package(tmp_path: Path) -> None:
    target = tmp_path / "stripe.yaml"
    assert run("init", "stripe", "-o", str(target)).exit_code == 0
    out = tmp_path / "out"
    created = run("create", str(target), "--output-dir", str(out), "--no-validate")
    assert created.exit_code == 0, created.output
    assert "def list_customers(" in (out / "stripe" / "stripe_adapter.py").read_text()


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "github.yaml"
    target.write_text("mine\n", encoding="utf-8")
    refused = run("init", "github", "-o", str(target))
    assert refused.exit_code == 2
    assert "already exists; pass --force" in refused.stderr
    assert target.read_text(encoding="utf-8") == "mine\n"
    forced = run("init", "github", "-o", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_text(encoding="utf-8").startswith("# GitHub: requirements")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["github.yaml"]


def test_init_never_replaces_a_file_that_appears_after_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "github.yaml"
    target.write_text("mine\n", encoding="utf-8")
    monkeypatch.setattr(starter_module, "lstat_mode", lambda path: None)  # the check misses it
    with pytest.raises(OutputError, match="already exists"):
        starter_module.init_requirements("github", output=target)
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["github.yaml"]


def test_init_writes_where_hard_links_are_unsupported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: object, target: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    written = starter_module.init_requirements("slack", output=tmp_path / "slack.yaml")
    assert (tmp_path / "slack.yaml").read_text(encoding="utf-8") == written.text
    monkeypatch.setattr(starter_module, "lstat_mode", lambda path: None)
    with pytest.raises(OutputError, match="already exists"):
        starter_module.init_requirements("github", output=tmp_path / "slack.yaml")
    assert (tmp_path / "slack.yaml").read_text(encoding="utf-8") == written.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slack.yaml"]


def test_init_into_a_missing_folder_is_an_input_error_writing_nothing(tmp_path: Path) -> None:
    result = run("init", "github", "-o", str(tmp_path / "nowhere" / "github.yaml"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: could not write")
    assert list(tmp_path.iterdir()) == []


def test_init_of_a_pattern_that_cannot_generate_writes_and_says_so(tmp_path: Path) -> None:
    printed = run("init", "prometheus")
    assert printed.exit_code == 0
    assert "note: the 'monitoring' pattern cannot generate packages yet" in printed.stderr
    assert "note:" not in printed.stdout
    assert "# The 'monitoring' pattern cannot generate packages yet" in printed.stdout
    target = tmp_path / "prom.yaml"
    written = run("init", "Prometheus", "-o", str(target))
    assert written.exit_code == 0
    assert "cannot generate packages yet" in written.stderr
    refused = run("create", str(target), "--output-dir", str(tmp_path / "out"))
    assert refused.exit_code == 2
    assert "cannot generate packages yet" in refused.stderr


def test_init_of_an_unknown_name_exits_2_with_the_nearest_names(tmp_path: Path) -> None:
    target = tmp_path / "x.yaml"
    result = run("init", "gitbub", "-o", str(target))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: 'gitbub' is not in the service catalog; did you mean GitHub? "
        "`agentflow integrate catalog` lists every entry\n"
    )
    assert not target.exists()


@pytest.mark.parametrize(
    "name",
    [
        "../github",
        "/etc/passwd",
        "..\\..\\github",
        "../../../../etc/hosts",
        "x" * 5000,
        "\x1b]0;pwn\x07",
    ],
    ids=["parent", "absolute", "backslash", "deep", "long", "control"],
)
def test_init_of_a_hostile_name_is_a_clean_input_error(name: str) -> None:
    result = run("init", name)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and "is not in the service catalog" in result.stderr
    assert "Traceback" not in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert len(result.stderr) < 300


def test_a_file_name_that_would_break_the_header_is_not_copied_into_it(tmp_path: Path) -> None:
    target = tmp_path / "evil\nservice: Pwned\n.yaml"
    result = run("init", "github", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert load_spec(target).spec.service == "GitHub"
    assert "#   agentflow integrate create FILE" in target.read_text(encoding="utf-8")

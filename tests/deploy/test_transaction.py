"""Transactions: a failure undoes every change exactly; success leaves no backups."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentflow.deploy.transaction import transaction

from .conftest import snapshot


def _tree(root: Path) -> None:
    (root / "state").mkdir(parents=True)
    (root / "keep.txt").write_text("keep")
    (root / "old.txt").write_text("old")
    (root / "pkg").mkdir()
    (root / "pkg" / "a.py").write_text("a = 1\n")


def _changes(root: Path, source: Path) -> None:
    (source / "tree").mkdir(parents=True)
    (source / "tree" / "b.py").write_text("b = 2\n")
    (source / "new.txt").write_text("new")


def test_a_failure_puts_every_file_back(tmp_path: Path) -> None:
    root, source = tmp_path / "target", tmp_path / "source"
    _tree(root)
    _changes(root, source)
    before = snapshot(root)
    with pytest.raises(RuntimeError), transaction(root / "state") as change:
        change.put_file(source / "new.txt", root / "old.txt")
        change.put_tree(source / "tree", root / "pkg")
        change.put_file(source / "new.txt", root / "deep" / "er" / "new.txt")
        change.remove(root / "keep.txt")
        raise RuntimeError("injected")
    assert snapshot(root) == before


def test_success_keeps_the_changes_and_no_backups(tmp_path: Path) -> None:
    root, source = tmp_path / "target", tmp_path / "source"
    _tree(root)
    _changes(root, source)
    with transaction(root / "state") as change:
        change.put_file(source / "new.txt", root / "old.txt")
        change.put_tree(source / "tree", root / "pkg")
        change.remove(root / "keep.txt")
    assert (root / "old.txt").read_text() == "new"
    assert sorted(p.name for p in (root / "pkg").iterdir()) == ["b.py"]
    assert not (root / "keep.txt").exists()
    assert list((root / "state").iterdir()) == []

"""The per-file three-way merge: each combination of base, yours and generated."""

from __future__ import annotations

import pytest

from agentflow.package.merge import ACTIONS, merge_file, unified_diff

BASE = "a = 1\nb = 2\nc = 3\n"


@pytest.mark.parametrize(
    ("base", "yours", "generated", "action", "after"),
    [
        (BASE, BASE, BASE, "unchanged", BASE),
        (BASE, BASE, "a = 1\n", "updated", "a = 1\n"),
        (BASE, "a = 9\nb = 2\nc = 3\n", BASE, "kept", "a = 9\nb = 2\nc = 3\n"),
        (BASE, "a = 9\nb = 2\nc = 3\n", "a = 1\nb = 2\nc = 4\n", "merged", "a = 9\nb = 2\nc = 4\n"),
        (None, None, "x\n", "new", "x\n"),
        (BASE, None, BASE, "left deleted", None),
        (BASE, None, "a = 1\n", "restored", "a = 1\n"),
        (BASE, BASE, None, "removed", None),
        (BASE, "mine\n", None, "kept", "mine\n"),
    ],
)
def test_each_kind_of_file(
    base: str | None, yours: str | None, generated: str | None, action: str, after: str | None
) -> None:
    merge = merge_file("f.py", base, yours, generated)
    assert (merge.action, merge.after) == (action, after)
    assert action in ACTIONS


def test_overlapping_changes_get_standard_markers() -> None:
    merge = merge_file("f.py", BASE, "a = 1\nb = 'yours'\nc = 3\n", "a = 1\nb = 'new'\nc = 3\n")
    assert merge.action == "conflict"
    assert merge.after == (
        "a = 1\n<<<<<<< yours\nb = 'yours'\n=======\nb = 'new'\n>>>>>>> generated\nc = 3\n"
    )


def test_additions_at_the_same_place_keep_both_generated_first() -> None:
    merge = merge_file("f.py", BASE, BASE + "mine = 1\n", BASE + "new = 2\n")
    assert (merge.action, merge.after) == ("merged", BASE + "new = 2\nmine = 1\n")


def test_a_file_the_user_also_created_conflicts_as_a_whole() -> None:
    merge = merge_file("f.py", None, "mine", "generated\n")
    assert merge.action == "conflict"
    assert merge.after == "<<<<<<< yours\nmine\n=======\ngenerated\n>>>>>>> generated\n"


def test_unified_diff_of_a_merge() -> None:
    merge = merge_file("f.py", BASE, BASE, "a = 1\nb = 2\n")
    assert (
        unified_diff(merge) == "--- a/f.py\n+++ b/f.py\n@@ -1,3 +1,2 @@\n a = 1\n b = 2\n-c = 3\n"
    )
    assert unified_diff(merge_file("f.py", BASE, BASE, BASE)) == ""
    assert unified_diff(merge_file("g.py", None, None, "x\n")).startswith("--- /dev/null\n")

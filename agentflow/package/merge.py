"""Three-way merge of one generated file: the last generation, the user's file, the new one.

The base is the last generation (from the pristine store), "yours" is the file on disk and
"generated" is the new generation. Lines are merged with `merge3`; overlapping changes become
standard conflict markers (`<<<<<<< yours`, `=======`, `>>>>>>> generated`). When both sides
only added lines at the same place (typically the end of a file), both are kept, the
generated lines first: a generated method continues the class above it, while a user's
addition usually stands on its own. The merged package is validated afterwards.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import cast

import merge3

__all__ = ["ACTIONS", "FileMerge", "merge_file", "unified_diff"]

# What happens to a file, by action; the README's table says the same.
ACTIONS = {
    "unchanged": "nothing changes",
    "updated": "not edited by you: takes the new generation",
    "merged": "your edits and the new generation merged cleanly",
    "conflict": "your edits and the new generation overlap: written with conflict markers",
    "kept": "edited by you and not changed (or no longer produced) by the generation: kept",
    "new": "produced for the first time: written",
    "restored": "deleted by you but changed by the generation: the new generation is written",
    "left deleted": "deleted by you and not changed by the generation: stays deleted",
    "removed": "no longer produced and not edited by you: removed",
}


@dataclass(frozen=True)
class FileMerge:
    """One file's merge: what happens (`action`), its text before and after (None: absent)."""

    path: str
    action: str
    before: str | None
    after: str | None

    @property
    def changes_disk(self) -> bool:
        """Whether applying the merge changes the file on disk."""
        return self.before != self.after


def merge_file(path: str, base: str | None, yours: str | None, generated: str | None) -> FileMerge:
    """Decide one file's fate from its three versions (None: the file does not exist)."""
    if yours == generated:
        return FileMerge(path, "unchanged", yours, yours)
    if generated is None:
        action = "removed" if yours == base else "kept"
        return FileMerge(path, action, yours, None if action == "removed" else yours)
    if yours is None:
        if base is None:
            return FileMerge(path, "new", None, generated)
        if generated == base:
            return FileMerge(path, "left deleted", None, None)
        return FileMerge(path, "restored", None, generated)
    if yours == base:
        return FileMerge(path, "updated", yours, generated)
    if generated == base:
        return FileMerge(path, "kept", yours, yours)
    if base is None:  # the user made a file where the generation now puts one
        whole = _conflict(yours.splitlines(keepends=True), generated.splitlines(keepends=True))
        return FileMerge(path, "conflict", yours, "".join(whole))
    text, conflicted = _merge_text(base, yours, generated)
    return FileMerge(path, "conflict" if conflicted else "merged", yours, text)


def _merge_text(base: str, yours: str, generated: str) -> tuple[str, bool]:
    """The merged text, and whether it holds conflict markers."""
    lines = [text.splitlines(keepends=True) for text in (base, yours, generated)]
    old, mine, new = lines
    merged: list[str] = []
    conflicted = False
    for region in merge3.Merge3(old, mine, new).merge_regions():
        kind = region[0]
        if kind == "unchanged":
            merged += old[region[1] : region[2]]
        elif kind in ("a", "same"):
            merged += mine[region[1] : region[2]]
        elif kind == "b":
            merged += new[region[1] : region[2]]
        else:
            conflict = cast(tuple[str, int, int, int, int, int, int], region)
            _, base_start, base_end, mine_start, mine_end, new_start, new_end = conflict
            ours, theirs = mine[mine_start:mine_end], new[new_start:new_end]
            if base_start == base_end:  # both only added lines here: keep both
                merged += theirs + ours
            else:
                conflicted = True
                merged += _conflict(ours, theirs)
    return "".join(merged), conflicted


def _conflict(yours: list[str], generated: list[str]) -> list[str]:
    """A conflict block with standard markers; every line ends with a newline."""
    block = ["<<<<<<< yours\n", *yours, "=======\n", *generated, ">>>>>>> generated\n"]
    return [line if line.endswith("\n") else line + "\n" for line in block]


def unified_diff(merge: FileMerge) -> str:
    """The unified diff that applying `merge` makes to the file on disk ("" when none)."""
    before = [] if merge.before is None else merge.before.splitlines(keepends=True)
    after = [] if merge.after is None else merge.after.splitlines(keepends=True)
    lines = difflib.unified_diff(
        before,
        after,
        fromfile="/dev/null" if merge.before is None else f"a/{merge.path}",
        tofile="/dev/null" if merge.after is None else f"b/{merge.path}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

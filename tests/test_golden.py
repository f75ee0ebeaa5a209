"""Golden records: the committed packages in integrations/ equal a fresh generation.

After an intended change to templates or helpers, regenerate them afresh (`--force` would
bump the package version) with `rm -r integrations/<slug> && agentflow integrate create
<spec> --output-dir integrations` (each package's spec is in `GOLDEN`) and review the diff.
A package holds its pristine store (`.agentflow/pristine/`), which must equal the generation too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentflow.build import IntegrationBuilder
from agentflow.package.metadata import METADATA_FILE, VOLATILE_METADATA_KEYS
from agentflow.package.pristine import pristine_files
from agentflow.spec.loader import load_spec

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = {
    "github": ROOT / "examples" / "github.yaml",
    "order_queue": ROOT / "examples" / "rabbitmq-orders.yaml",
    "postgresql": ROOT / "examples" / "postgresql.yaml",
    "stripe": ROOT / "examples" / "stripe.yaml",
}
CACHES = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def committed_files(package_dir: Path) -> dict[str, str]:
    return {
        path.relative_to(package_dir).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(package_dir.rglob("*"))
        if path.is_file() and not CACHES & set(path.parts) and path.name != ".coverage"
    }


def stable(metadata_text: str) -> dict[str, object]:
    data = json.loads(metadata_text)
    for key in VOLATILE_METADATA_KEYS:
        data.pop(key)
    return data


def generate(spec_path: Path) -> dict[str, str]:
    return IntegrationBuilder(validate=False).build(load_spec(spec_path)).files


def on_disk(files: dict[str, str]) -> dict[str, str]:
    """What writing a generation puts on disk: its files and its pristine store."""
    generated = {name: text for name, text in files.items() if name != METADATA_FILE}
    return {**files, **pristine_files(generated)}


@pytest.mark.parametrize("slug", sorted(GOLDEN))
def test_committed_package_equals_a_fresh_generation(slug: str) -> None:
    fresh = on_disk(generate(GOLDEN[slug]))
    committed = committed_files(ROOT / "integrations" / slug)
    spec = GOLDEN[slug].relative_to(ROOT).as_posix()
    hint = (
        f"regenerate with: rm -r integrations/{slug} && "
        f"agentflow integrate create {spec} --output-dir integrations"
    )
    assert sorted(committed) == sorted(fresh), hint
    for name, text in fresh.items():
        if name == METADATA_FILE:
            assert stable(committed[name]) == stable(text), hint
        else:
            assert committed[name] == text, f"{name} differs; {hint}"


def test_generation_is_byte_identical_across_runs() -> None:
    first, second = generate(GOLDEN["stripe"]), generate(GOLDEN["stripe"])
    assert first.keys() == second.keys()
    for name in first:
        if name == METADATA_FILE:
            assert stable(first[name]) == stable(second[name])
        else:
            assert first[name] == second[name], name

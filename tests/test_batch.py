"""Batch `create`: several files in parallel, each failing alone, results in input order."""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from agentflow.batch import BatchItem, batch_exit_code, create_many
from agentflow.batch import worker as batch_build
from agentflow.cli import main
from agentflow.cli.presenters import batch_progress
from agentflow.errors import (
    Diagnostic,
    GenerationError,
    InputError,
    LLMError,
    SpecError,
    ValidationFailed,
)
from agentflow.package.metadata import METADATA_FILE, VOLATILE_METADATA_KEYS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

SPEC = """\
service: {service}
requirements:
  base_url: https://api.{slug}.example
  endpoints:
    - {{method: GET, path: /things}}
    - {{method: POST, path: /things, body: true}}
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def spec(tmp_path: Path, name: str, service: str, *, typo: bool = False) -> Path:
    text = SPEC.format(service=service, slug=service.lower())
    if typo:
        text = text.replace("base_url", "base_ur")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def batch(tmp_path: Path) -> list[Path]:
    """Three good specs and, third of four, one with a typo on line 3."""
    return [
        spec(tmp_path, "alpha.yaml", "Alpha"),
        spec(tmp_path, "beta.yaml", "Beta"),
        spec(tmp_path, "broken.yaml", "Broken", typo=True),
        spec(tmp_path, "gamma.yaml", "Gamma"),
    ]


def create(paths: list[Path], out: Path, *options: str) -> Result:
    names = [str(path) for path in paths]
    return run("integrate", "create", *names, "--output-dir", str(out), "--no-validate", *options)


def test_a_bad_file_fails_alone_with_its_location(batch: list[Path], tmp_path: Path) -> None:
    result = create(batch, tmp_path / "out", "--jobs", "2")
    assert result.exit_code == 2
    assert packages(tmp_path / "out") == ["alpha", "beta", "gamma"]
    for slug in ("alpha", "beta", "gamma"):
        assert (tmp_path / "out" / slug / f"{slug}_adapter.py").is_file()
    assert f"error: {batch[2]}: " in result.output
    assert "broken.yaml:3:3: error: requirements.base_ur: unknown key" in result.output
    assert "did you mean 'base_url'" in result.output
    assert "3 succeeded, 1 failed" in result.output
    assert "Traceback" not in result.output


def test_json_lists_each_file_in_input_order(batch: list[Path], tmp_path: Path) -> None:
    result = create(batch, tmp_path / "out", "--jobs", "2", "--json")
    data = json.loads(result.output)
    assert [item["file"] for item in data] == [str(path) for path in batch]
    assert [item.get("status") for item in data] == ["created", "created", None, "created"]
    diagnostic = data[2]["error"]["diagnostics"][0]
    assert diagnostic["file"].endswith("broken.yaml")
    assert (diagnostic["line"], diagnostic["field"]) == (3, "requirements.base_ur")


def test_json_items_match_the_single_file_json(batch: list[Path], tmp_path: Path) -> None:
    good, bad = batch[0], batch[2]
    single_good = json.loads(create([good], tmp_path / "one", "--json").output)
    single_bad = json.loads(create([bad], tmp_path / "one", "--json").output)
    many = json.loads(create([good, bad], tmp_path / "many", "--json").output)
    assert many[0].keys() == {"file", *single_good.keys()}
    assert many[0]["files"] == single_good["files"]
    assert many[1] == {"file": str(bad), **single_bad}


def test_results_come_back_in_input_order_not_completion_order(
    batch: list[Path], tmp_path: Path
) -> None:
    batch.append(tmp_path / "missing.yaml")
    finished: list[Path] = []
    items = create_many(
        batch,
        jobs=2,
        on_progress=lambda item: finished.append(item.path),
        validate=False,
        output_dir=tmp_path / "out",
    )
    assert [item.path for item in items] == batch
    assert finished[0] == batch[-1]  # a file that does not load fails before any build starts
    assert [item.error is None for item in items] == [True, True, False, True, False]
    assert sorted(finished) == sorted(batch)


def test_two_jobs_write_the_same_bytes_as_one(batch: list[Path], tmp_path: Path) -> None:
    good = [batch[0], batch[1], batch[3]]
    assert create(good, tmp_path / "serial", "--jobs", "1").exit_code == 0
    assert create(good, tmp_path / "parallel", "--jobs", "2").exit_code == 0
    serial, parallel = _tree(tmp_path / "serial"), _tree(tmp_path / "parallel")
    assert serial.keys() == parallel.keys() and len(serial) > 20
    for name, content in serial.items():
        if Path(name).name == METADATA_FILE:
            assert _stable(content) == _stable(parallel[name]), name
        else:
            assert content == parallel[name], name


@pytest.mark.parametrize("jobs", ["0", "33", "many"])
def test_jobs_out_of_range_is_a_usage_error(batch: list[Path], tmp_path: Path, jobs: str) -> None:
    result = create(batch, tmp_path / "out", "--jobs", jobs)
    assert result.exit_code == 2
    assert "--jobs" in result.output
    assert not (tmp_path / "out").exists()


def test_files_writing_the_same_package_are_both_refused(tmp_path: Path) -> None:
    first = spec(tmp_path, "one.yaml", "Same")
    second = spec(tmp_path, "two.yaml", "Same")
    other = spec(tmp_path, "other.yaml", "Other")
    result = create([first, other, second], tmp_path / "out", "--jobs", "2", "--json")
    assert result.exit_code == 2
    data = json.loads(result.output)
    for item in (data[0], data[2]):
        assert item["error"]["type"] == "OutputError"
        assert "one.yaml, " in item["error"]["message"] and "two.yaml" in item["error"]["message"]
    assert data[1]["status"] == "created"
    assert packages(tmp_path / "out") == ["other"]


def test_a_build_error_in_a_worker_comes_back_as_data(tmp_path: Path) -> None:
    good = spec(tmp_path, "good.yaml", "Good")
    unavailable = EXAMPLES / "s3.yaml"  # loads, but its pattern cannot generate yet
    result = create([unavailable, good], tmp_path / "out", "--jobs", "2", "--json")
    data = json.loads(result.output)
    assert data[0]["error"]["type"] == "PatternUnavailableError"
    assert data[1]["status"] == "created"
    assert result.exit_code == 2


def test_exit_code_prefers_generation_failures_over_input_errors(tmp_path: Path) -> None:
    ok = BatchItem(tmp_path)
    bad_input = BatchItem(tmp_path, error=SpecError("bad"))
    failed = BatchItem(tmp_path, error=GenerationError("broke"))
    assert batch_exit_code([ok, ok]) == 0
    assert batch_exit_code([ok, bad_input]) == 2
    assert batch_exit_code([bad_input, failed, ok]) == 1


@pytest.mark.parametrize(("paths", "jobs"), [([], 1), (["a.yaml"], 0), (["a.yaml"], 33)])
def test_the_library_refuses_an_empty_batch_or_jobs_out_of_range(
    paths: list[str], jobs: int
) -> None:
    with pytest.raises(InputError):
        create_many(paths, jobs=jobs)


def test_errors_survive_the_trip_between_processes() -> None:
    diagnostic = Diagnostic("unknown key", file="a.yaml", line=3, column=3, field="x")
    error = pickle.loads(pickle.dumps(SpecError("invalid", diagnostics=(diagnostic,))))
    assert (type(error), error.message, error.diagnostics) == (SpecError, "invalid", (diagnostic,))
    assert str(error) == "invalid\n  a.yaml:3:3: error: x: unknown key"
    failed = pickle.loads(pickle.dumps(ValidationFailed("low", report={"score": 40})))
    assert (failed.report, failed.exit_code) == ({"score": 40}, 1)
    cut = LLMError("cut off", kind="truncated", retry_after=2.0, billed_tokens=(10, 20))
    copy = pickle.loads(pickle.dumps(cut))
    assert (copy.kind, copy.retry_after, copy.billed_tokens, copy.exit_code) == (
        "truncated",
        2.0,
        (10, 20),
        1,
    )
    assert pickle.loads(pickle.dumps(LLMError("no key", kind="auth"))).exit_code == 2


def test_progress_shows_on_a_terminal_and_stays_quiet_elsewhere(tmp_path: Path) -> None:
    item = BatchItem(tmp_path / "alpha.yaml", error=SpecError("bad"))
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    with batch_progress(1, enabled=True, console=terminal) as on_progress:
        on_progress(item)
    assert "alpha.yaml error" in screen.getvalue()
    piped = io.StringIO()
    with batch_progress(1, enabled=True, console=Console(file=piped)) as on_progress:
        on_progress(item)
    with batch_progress(1, enabled=False, console=terminal) as on_progress:
        on_progress(item)
    assert piped.getvalue() == ""


@pytest.mark.slow
def test_validated_batch_in_parallel(tmp_path: Path) -> None:
    files = [str(EXAMPLES / "github.yaml"), str(EXAMPLES / "stripe.yaml")]
    out = tmp_path / "out"
    result = run("integrate", "create", *files, "--output-dir", str(out), "-j", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [item["validation"]["score"] for item in data] == [100, 100]
    assert packages(out) == ["github", "stripe"]


def test_a_worker_builds_nothing_once_the_batch_is_cancelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cancelled = threading.Event()
    cancelled.set()
    monkeypatch.setattr(batch_build, "_cancelled", cancelled)
    handler = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(KeyboardInterrupt):
            batch_build._build_in_worker(
                spec(tmp_path, "alpha.yaml", "Alpha"), {"output_dir": tmp_path / "out"}
            )
    finally:
        signal.signal(signal.SIGINT, handler)
    assert not (tmp_path / "out").exists()


INTERRUPTS: dict[str, Callable[[subprocess.Popen[str]], None]] = {
    "Ctrl-C in the terminal": lambda process: os.killpg(process.pid, signal.SIGINT),
    "SIGINT to agentflow alone": lambda process: process.send_signal(signal.SIGINT),
}


@pytest.mark.slow
@pytest.mark.parametrize("files", [4, 1])
@pytest.mark.parametrize("interrupt", sorted(INTERRUPTS))
def test_ctrl_c_while_validating_writes_nothing_and_leaves_no_temporary_folder(
    tmp_path: Path, interrupt: str, files: int
) -> None:
    names = ["alpha", "beta", "gamma", "delta"][:files]
    specs = [str(spec(tmp_path, f"{name}.yaml", name.title())) for name in names]
    scratch, out = tmp_path / "tmp", tmp_path / "out"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "agentflow", "integrate", "create", *specs, "--output-dir", str(out)]
        + ["--jobs", "2"],
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not _validating(scratch):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "validation never started"
        time.sleep(0.05)
    INTERRUPTS[interrupt](process)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stdout + stderr
    assert stderr.splitlines()[-1] == "interrupted"
    assert "Traceback" not in stdout + stderr
    assert not out.exists() or packages(out) == []
    assert list(scratch.iterdir()) == []


def _validating(scratch: Path) -> bool:
    """Whether a package is being validated: its private copy exists under `scratch`."""
    try:
        return any(scratch.rglob("agentflow-validate-*"))
    except OSError:  # a folder vanished while listing
        return False


def packages(out: Path) -> list[str]:
    """The package folders in `out` (each has its hidden lock file beside it)."""
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _stable(raw: bytes) -> object:
    data = json.loads(raw)
    for key in VOLATILE_METADATA_KEYS:
        data.pop(key)
    return data

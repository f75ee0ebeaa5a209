"""The command line: exit codes, messages, JSON output and what reaches the disk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from denied import deny
from user_entries import tree_record

from agentflow.build import IntegrationBuilder
from agentflow.cli import main
from agentflow.package.lock import lock_path, package_lock
from agentflow.package.pristine import STORE_DIR

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write_spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
service: Demo
requirements:
  base_url: https://api.demo.example
  endpoints:
    - {method: GET, path: /things}
"""


def test_help_and_version() -> None:
    assert "integrate" in run("--help").output
    assert "create" in run("integrate", "--help").output
    assert "0.1.0" in run("--version").output


def test_the_command_line_starts_without_the_library_it_runs() -> None:
    heavy = ["tempfile", "logging", "logging.handlers", "multiprocessing", "httpx", "pydantic"]
    heavy += ["agentflow.orchestration", "agentflow.generation", "agentflow.build"]
    heavy += ["agentflow.batch.worker"]
    code = f"import sys, agentflow.cli; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"


def test_create_writes_the_package_then_an_identical_run_writes_nothing(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL)
    out = tmp_path / "out"
    first = run("integrate", "create", str(spec), "--output-dir", str(out), "--no-validate")
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    assert (out / "demo" / "demo_adapter.py").is_file()
    assert (out / "demo" / "demo_utils" / "retry.py").is_file()
    second = run("integrate", "create", str(spec), "--output-dir", str(out), "--no-validate")
    assert second.exit_code == 0
    assert "unchanged" in second.output


def test_changed_requirements_need_force(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL)
    out = tmp_path / "out"
    run("integrate", "create", str(spec), "--output-dir", str(out), "--no-validate")
    write_spec(tmp_path, MINIMAL + "    - {method: GET, path: /others}\n")
    refused = run("integrate", "create", str(spec), "--output-dir", str(out), "--no-validate")
    assert refused.exit_code == 2
    assert "--force" in refused.output
    assert "def list_others" not in (out / "demo" / "demo_adapter.py").read_text()
    forced = run(
        "integrate", "create", str(spec), "--output-dir", str(out), "--no-validate", "--force"
    )
    assert forced.exit_code == 0, forced.output
    assert "def list_others" in (out / "demo" / "demo_adapter.py").read_text()


def test_dry_run_writes_nothing_and_lists_files(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL)
    result = run(
        "integrate",
        "create",
        str(spec),
        "--output-dir",
        str(tmp_path / "out"),
        "--dry-run",
        "--no-validate",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "dry-run"
    assert data["files"]["demo_adapter.py"] == "new"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("- a\n- b\n", "mapping"),
        ("service: Demo\nrequirments: {}\n", "did you mean 'requirements'"),
        ("service: Demo\n\trequirements: {}\n", "tab"),
        (MINIMAL.replace("base_url", "base_ur"), "did you mean 'base_url'"),
        (MINIMAL.replace("https://api.demo.example", "not a url"), "not an absolute http(s) URL"),
        (MINIMAL + "    - {method: GET, path: /things}\n", "duplicate endpoint"),
        (MINIMAL.replace("Demo", '"Demo\\0"'), "NUL"),
        ("service: Demo\ntype: blockchain\nrequirements: {}\n", "unknown type 'blockchain'"),
        ("a: &a [1]\nb: !!python/object/apply:os.system ['touch PWNED']\n", "tag"),
    ],
)
def test_bad_input_exits_2_with_a_located_message_and_writes_nothing(
    tmp_path: Path, text: str, expected: str
) -> None:
    spec = write_spec(tmp_path, text)
    result = run("integrate", "create", str(spec), "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert expected.lower() in result.output.lower()
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "PWNED").exists()


def test_missing_file_and_bad_option_are_usage_errors(tmp_path: Path) -> None:
    missing = run("integrate", "create", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2
    assert "nope.yaml" in missing.output
    assert run("integrate", "create", "--bogus").exit_code == 2


def test_errors_as_json_carry_diagnostics(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL.replace("base_url", "base_ur"))
    result = run("integrate", "create", str(spec), "--json")
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert error["type"] == "SpecError"
    diagnostic = error["diagnostics"][0]
    assert diagnostic["line"] == 3
    assert diagnostic["hint"] == "did you mean 'base_url'?"


def test_patterns_not_yet_generating_say_so(tmp_path: Path) -> None:
    result = run("integrate", "create", str(EXAMPLES / "s3.yaml"), "--output-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "cannot generate packages yet" in result.output
    assert list(tmp_path.iterdir()) == []


def test_near_tie_asks_for_type(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        "service: Both\nrequirements:\n  connection_string: postgresql://db/x\n"
        "  broker_url: amqp://mq/\n  tables: [orders]\n  queues: [jobs]\n",
    )
    result = run("integrate", "create", str(spec), "--output-dir", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "type:" in result.output
    assert "database=" in result.output and "message_queue=" in result.output


def test_service_name_cannot_escape_the_output_directory(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL.replace("service: Demo", 'service: "../../../evil"'))
    out = tmp_path / "deep" / "out"
    result = run("integrate", "create", str(spec), "--output-dir", str(out), "--no-validate")
    assert result.exit_code == 0, result.output
    assert (out / "evil" / "evil_adapter.py").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "spec.yaml"]


def test_patterns_lists_six_and_explains_with_json() -> None:
    listing = run("integrate", "patterns", "--json")
    names = [p["name"] for p in json.loads(listing.output)]
    assert {"api", "database", "message_queue", "file_storage", "auth", "monitoring"} <= set(names)
    explained = run("integrate", "patterns", "--explain", str(EXAMPLES / "github.yaml"), "--json")
    assert explained.exit_code == 0
    scores = json.loads(explained.output)
    assert scores[0]["name"] == "api"
    assert scores[0]["reasons"]
    assert {"name", "score", "reasons"} == set(scores[0])


@pytest.mark.slow
def test_create_validates_and_validate_gates_on_edits(tmp_path: Path) -> None:
    out = tmp_path / "out"
    created = run(
        "integrate", "create", str(EXAMPLES / "github.yaml"), "--output-dir", str(out), "--json"
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["validation"]["score"] == 100
    package = out / "github"
    report = run("integrate", "validate", str(package), "--json")
    assert report.exit_code == 0, report.output
    data = json.loads(report.output)["packages"][0]
    assert data["score"] == 100
    assert {c["name"] for c in data["checks"]} >= {"syntax", "tests", "coverage", "unedited"}

    adapter = package / "github_adapter.py"
    adapter.write_text(adapter.read_text() + "\n# edited by hand\n")
    junit = tmp_path / "report.xml"
    edited = run("integrate", "validate", str(package), "--min-score", "95", "--junit", str(junit))
    assert edited.exit_code == 1
    assert "unedited" in edited.output
    assert "<testsuite" in junit.read_text()


def test_validate_rejects_a_directory_without_metadata(tmp_path: Path) -> None:
    result = run("integrate", "validate", str(tmp_path))
    assert result.exit_code == 2
    assert "metadata.json" in result.output
    shutil.rmtree(tmp_path, ignore_errors=True)


def create_demo(tmp_path: Path, *options: str) -> Result:
    spec = tmp_path / "spec.yaml"
    if not spec.exists():
        write_spec(tmp_path, MINIMAL)
    out = str(tmp_path / "out")
    return run("integrate", "create", str(spec), "--output-dir", out, "--no-validate", *options)


def agentflow_process(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agentflow", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building fails loudly: a refusal must come before any build."""

    def build(*args: object, **kwargs: object) -> None:
        raise AssertionError("built before the destination was checked")

    monkeypatch.setattr(IntegrationBuilder, "build", build)


@pytest.mark.usefixtures("no_build")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_output_folder_under_a_regular_file_is_refused_before_building(
    tmp_path: Path, jobs: str
) -> None:
    (tmp_path / "file").write_text("not a folder")
    specs = [write_spec(tmp_path, MINIMAL), write_spec(tmp_path, MINIMAL.replace("Demo", "Two"))]
    out = str(tmp_path / "file" / "out")
    names = [str(spec) for spec in specs[: int(jobs)]]
    result = run("integrate", "create", *names, "--output-dir", out, "--jobs", jobs)
    assert result.exit_code == 2
    assert f"{tmp_path / 'file'} is a file, not a folder" in result.output
    assert result.output.count("error: ") == int(jobs)
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("no_build")
def test_a_destination_that_is_a_symlink_is_refused_before_building(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "out" / "demo")
    result = create_demo(tmp_path)
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'out' / 'demo'} is a symlink" in result.output
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_an_output_folder_reached_through_a_symlink_is_written(tmp_path: Path) -> None:
    (tmp_path / "private").mkdir()
    os.symlink(tmp_path / "private", tmp_path / "tmp")
    spec = write_spec(tmp_path, MINIMAL)
    out = str(tmp_path / "tmp" / "out")
    result = run("integrate", "create", str(spec), "--output-dir", out, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["validation"]["score"] is not None
    assert (tmp_path / "private" / "out" / "demo" / "demo_adapter.py").is_file()


def test_an_unwritable_output_folder_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "out").mkdir()
    deny(monkeypatch, tmp_path / "out", writing=True)
    result = create_demo(tmp_path)
    monkeypatch.undo()
    assert result.exit_code == 2
    assert f"error: could not write into {tmp_path / 'out'}: Permission denied" in result.output
    assert os.listdir(tmp_path / "out") == []


def test_an_unreadable_output_folder_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert create_demo(tmp_path).exit_code == 0
    before = tree_record(tmp_path / "out")
    deny(monkeypatch, tmp_path / "out", reading=True)
    result = create_demo(tmp_path, "--force")
    monkeypatch.undo()
    assert result.exit_code == 2
    assert f"error: could not read {tmp_path / 'out' / 'demo'}: Permission denied" in result.output
    assert tree_record(tmp_path / "out") == before


@pytest.mark.parametrize("files", [[], "demo_adapter.py", None], ids=["list", "string", "null"])
def test_create_over_metadata_files_of_the_wrong_type(tmp_path: Path, files: object) -> None:
    assert create_demo(tmp_path).exit_code == 0
    package = tmp_path / "out" / "demo"
    metadata = json.loads((package / "metadata.json").read_text())
    (package / "metadata.json").write_text(json.dumps({**metadata, "files": files}))
    replaced = create_demo(tmp_path, "--force")
    assert replaced.exit_code == 0, replaced.output
    assert "replaced" in replaced.output
    (package / "metadata.json").write_text(json.dumps({**metadata, "files": files}))
    shutil.rmtree(package / STORE_DIR)
    refused = create_demo(tmp_path, "--force")
    assert refused.exit_code == 2
    kind = {list: "a list", str: "a string"}.get(type(files), "null")
    assert f"error: {package / 'metadata.json'} has {kind} as 'files'" in refused.output
    assert "Traceback" not in refused.output


def test_a_full_disk_leaves_the_old_package_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert create_demo(tmp_path).exit_code == 0
    before = tree_record(tmp_path / "out")
    write_spec(tmp_path, MINIMAL + "    - {method: GET, path: /others}\n")
    real_write = Path.write_bytes

    def full_disk(self: Path, data: bytes) -> int:
        if b"def list_others" in data:
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    result = create_demo(tmp_path, "--force")
    assert result.exit_code == 1
    assert "No space left on device" in result.output and "left as it was" in result.output
    assert tree_record(tmp_path / "out") == before


FILE_SIZE_LIMIT = """
import resource, signal, sys
from agentflow.cli import main
from agentflow import build as integration_builder

def limit():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

write_package = integration_builder.write_package

def write_with_a_limit(*args, **kwargs):
    limit()
    return write_package(*args, **kwargs)

if sys.argv[1] == "while writing":
    integration_builder.write_package = write_with_a_limit
else:
    limit()
main(sys.argv[2:], prog_name="agentflow")
"""


OPTIONS = ("--force", "--no-validate")


@pytest.mark.parametrize(
    ("when", "existing", "message"),
    [
        ("from the start", False, "could not build the package of"),
        ("while writing", False, "nothing was written"),
        ("while writing", True, "was left as it was"),
    ],
)
def test_a_file_size_limit_is_an_error_and_writes_nothing(
    tmp_path: Path, when: str, existing: bool, message: str
) -> None:
    (tmp_path / "out").mkdir()
    if existing:
        assert create_demo(tmp_path).exit_code == 0
    write_spec(tmp_path, MINIMAL + "    - {method: GET, path: /others}\n")
    before = tree_record(tmp_path / "out")
    args = ["integrate", "create", str(tmp_path / "spec.yaml"), "--output-dir"]
    limited = subprocess.run(
        [sys.executable, "-c", FILE_SIZE_LIMIT, when, *args, str(tmp_path / "out"), *OPTIONS],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert limited.returncode == 1, limited.stderr
    assert limited.stderr.startswith("error: could not") and "File too large" in limited.stderr
    assert message in limited.stderr and "Traceback" not in limited.stderr
    after = tree_record(tmp_path / "out")
    lock = lock_path(tmp_path / "out" / "demo").name
    assert {k: v for k, v in after.items() if k != lock} == {
        k: v for k, v in before.items() if k != lock
    }


def test_validate_writes_a_junit_report_into_a_new_folder_or_says_why_it_cannot(
    tmp_path: Path,
) -> None:
    assert create_demo(tmp_path).exit_code == 0
    package = str(tmp_path / "out" / "demo")
    junit = tmp_path / "reports" / "ci" / "junit.xml"
    options = ["--skip-tests", "--min-score", "0"]
    written = run("integrate", "validate", package, *options, "--junit", str(junit))
    assert written.exit_code == 0, written.output
    assert "<testsuite" in junit.read_text()
    (tmp_path / "file").write_text("not a folder")
    blocked = tmp_path / "file" / "junit.xml"
    refused = run("integrate", "validate", package, *options, "--junit", str(blocked))
    assert refused.exit_code == 2
    assert f"error: could not write the report {blocked}" in refused.output
    assert "Traceback" not in refused.output


def test_create_waits_for_another_run_holding_the_package(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL)
    out = tmp_path / "out"
    with package_lock(out / "demo"):
        waiting = agentflow_process(
            "integrate", "create", str(spec), "--output-dir", str(out), "--no-validate"
        )
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=4)
        assert not (out / "demo").exists()
    stdout, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, stderr
    assert "created" in stdout


def test_of_two_concurrent_create_runs_one_creates_the_package(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL)
    args = ["integrate", "create", str(spec), "--output-dir", str(tmp_path / "out")]
    runs = [agentflow_process(*args, "--no-validate", "--json") for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in runs]
    assert [process.returncode for process in runs] == [0, 0], outputs
    assert sorted(json.loads(out)["status"] for out, _ in outputs) == ["created", "unchanged"]

"""The `agentflow` command line: parse options, call one library function, show the result.

Exit codes and error handling live in `agentflow.cli.support`. Heavy modules are imported
inside the commands so that `agentflow --help` starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from agentflow import __version__
from agentflow.batch import MAX_JOBS
from agentflow.cli.support import (
    EXIT_CONFLICTS,
    EXIT_FAILURE,
    EXIT_OK,
    backend_options,
    handle_errors,
    min_score_option,
)

if TYPE_CHECKING:
    from agentflow.update import UpdateResult


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agentflow")
def main() -> None:
    """Generate production-grade integration packages from a YAML requirements file."""


@main.group()
def integrate() -> None:
    """Create, validate and inspect integration packages."""


@integrate.command()
@click.argument("spec_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--output-dir",
    default="integrations",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Parent folder; the package goes to OUTPUT_DIR/<slug>.",
)
@click.option("--type", "integration_type", help="Pattern to use instead of auto-detection.")
@click.option("--force", is_flag=True, help="Replace an existing package with new content.")
@click.option("--dry-run", is_flag=True, help="Build and validate, but write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@min_score_option("Write nothing and exit 1 if validation scores below this.")
@click.option("--no-validate", is_flag=True, help="Skip validation (the score is not recorded).")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, MAX_JOBS),
    default=1,
    show_default=True,
    help="With several files, build this many packages at once.",
)
@backend_options
@handle_errors
def create(
    spec_files: tuple[str, ...],
    output_dir: str,
    integration_type: str | None,
    force: bool,
    dry_run: bool,
    as_json: bool,
    min_score: float,
    no_validate: bool,
    jobs: int,
    backend_choice: dict[str, Any],
) -> None:
    """Generate the integration package described by each SPEC_FILE.

    With several files, each one succeeds or fails on its own; the exit code is 0 when all
    succeed, else 1 if any failure is not an input error, else 2. Backend options default to
    the [backend] table of agentflow.toml (or the file AGENTFLOW_CONFIG names).
    """
    from agentflow.cli.presenters import show_create, subtask_progress
    from agentflow.settings import load_backend_settings
    from agentflow.workflows import create_integration

    settings = load_backend_settings().overridden(**backend_choice)
    options: dict[str, Any] = {
        "output_dir": output_dir,
        "integration_type": integration_type,
        "force": force,
        "dry_run": dry_run,
        "validate": not no_validate,
        "min_score": None if no_validate else min_score,
        "backend": settings,
    }
    if len(spec_files) > 1:
        _create_batch(spec_files, jobs=jobs, as_json=as_json, options=options)
    with subtask_progress(enabled=not as_json) as on_progress:
        result = create_integration(spec_files[0], on_progress=on_progress, **options)
    show_create(result, as_json=as_json)


def _create_batch(
    spec_files: tuple[str, ...], *, jobs: int, as_json: bool, options: dict[str, Any]
) -> NoReturn:
    """Create several packages, show each file's result or error, exit with the batch's code."""
    from agentflow.batch import batch_exit_code, create_many
    from agentflow.cli.presenters import batch_progress, show_batch

    with batch_progress(len(spec_files), enabled=not as_json) as on_progress:
        items = create_many(spec_files, jobs=jobs, on_progress=on_progress, **options)
    show_batch(items, as_json=as_json)
    sys.exit(batch_exit_code(items))


@integrate.command()
@click.argument("package_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@min_score_option("Exit 1 if any package scores below this.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@click.option(
    "--junit", "junit_file", type=click.Path(dir_okay=False), help="Also write a JUnit XML report."
)
@click.option("--skip-tests", is_flag=True, help="Do not run the packages' own tests.")
@handle_errors
def validate(
    package_dirs: tuple[str, ...],
    min_score: float,
    as_json: bool,
    junit_file: str | None,
    skip_tests: bool,
) -> None:
    """Check generated packages: syntax, isolation, style, rules, tests and edits."""
    from agentflow.cli.presenters import show_validation
    from agentflow.workflows import validate_packages

    reports = validate_packages(package_dirs, run_tests=not skip_tests)
    passed = show_validation(reports, min_score=min_score, as_json=as_json, junit_file=junit_file)
    sys.exit(EXIT_OK if passed else EXIT_FAILURE)


@integrate.command()
@click.argument("package_dir", type=click.Path(file_okay=False))
@click.argument("requirements", required=False, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show the diff per file, but write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--no-validate", is_flag=True, help="Skip validating the merged package.")
@min_score_option(
    "Exit 1 if the merged package scores below this (a clean merge is still written)."
)
@backend_options
@handle_errors
def update(
    package_dir: str,
    requirements: str | None,
    dry_run: bool,
    as_json: bool,
    no_validate: bool,
    min_score: float,
    backend_choice: dict[str, Any],
) -> None:
    """Regenerate PACKAGE_DIR from its recorded requirements or REQUIREMENTS; keep hand edits.

    The package is regenerated with the backend that made it unless --backend says otherwise.
    Exits 3 when the merge has conflicts (files get conflict markers), 1 below --min-score.
    """
    from agentflow.cli.presenters import show_update
    from agentflow.package.metadata import read_metadata
    from agentflow.regeneration import recorded_backend
    from agentflow.settings import load_backend_settings
    from agentflow.update import update_package

    backend = backend_choice["backend"] or recorded_backend(read_metadata(Path(package_dir)))
    settings = load_backend_settings().overridden(**{**backend_choice, "backend": backend})
    result = update_package(
        package_dir, requirements, dry_run=dry_run, validate=not no_validate, backend=settings
    )
    show_update(result, min_score=min_score, as_json=as_json)
    sys.exit(_update_exit_code(result, min_score=min_score))


def _update_exit_code(result: UpdateResult, *, min_score: float) -> int:
    """Conflicts first (files need resolving), then a score below the minimum."""
    if result.conflicts:
        return EXIT_CONFLICTS
    if result.report is not None and not result.report.passed(min_score):
        return EXIT_FAILURE
    return EXIT_OK


@integrate.command()
@click.option(
    "--explain",
    "spec_file",
    type=click.Path(dir_okay=False),
    help="Score every pattern against this requirements file and show why.",
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@handle_errors
def patterns(spec_file: str | None, as_json: bool) -> None:
    """List the patterns, or explain how each scores a requirements file."""
    from agentflow.cli.presenters import show_pattern_list, show_pattern_scores
    from agentflow.workflows import explain_patterns, list_patterns

    if spec_file is None:
        show_pattern_list(list_patterns(), as_json=as_json)
    else:
        show_pattern_scores(explain_patterns(spec_file), as_json=as_json)


@integrate.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@handle_errors
def catalog(as_json: bool) -> None:
    """List the well-known services whose requirements ship with agentflow."""
    from agentflow.catalog import list_entries
    from agentflow.cli.presenters import show_catalog

    show_catalog(list_entries(), as_json=as_json)


@integrate.command()
@click.argument("name")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="Write here instead of stdout."
)
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
@handle_errors
def init(name: str, output: str | None, force: bool) -> None:
    """Write the catalog entry NAME as a requirements file to edit, then `create`."""
    from agentflow.catalog.starter import init_requirements
    from agentflow.cli.presenters import show_init

    show_init(init_requirements(name, output=output, force=force))


from agentflow.cli.deploy import register_deploy_commands  # noqa: E402

register_deploy_commands(integrate)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))

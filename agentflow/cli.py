"""The `agentflow` command line: parse options, call one library function, show the result.

Exit codes and error handling live in `agentflow.cli_support`. Heavy modules are imported
inside the commands so that `agentflow --help` starts fast.
"""

from __future__ import annotations

import os
import sys

import click

from agentflow import __version__
from agentflow.cli_support import EXIT_FAILURE, EXIT_OK, handle_errors


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agentflow")
def main() -> None:
    """Generate production-grade integration packages from a YAML requirements file."""


@main.group()
def integrate() -> None:
    """Create, validate and inspect integration packages."""


@integrate.command()
@click.argument("spec_file", type=click.Path(dir_okay=False))
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
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=90.0,
    show_default=True,
    help="Write nothing and exit 1 if validation scores below this.",
)
@click.option("--no-validate", is_flag=True, help="Skip validation (the score is not recorded).")
@handle_errors
def create(
    spec_file: str,
    output_dir: str,
    integration_type: str | None,
    force: bool,
    dry_run: bool,
    as_json: bool,
    min_score: float,
    no_validate: bool,
) -> None:
    """Generate the integration package described by SPEC_FILE."""
    from agentflow.presenters import show_create
    from agentflow.workflows import create_integration

    result = create_integration(
        spec_file,
        output_dir=output_dir,
        integration_type=integration_type,
        force=force,
        dry_run=dry_run,
        validate=not no_validate,
        min_score=None if no_validate else min_score,
    )
    show_create(result, as_json=as_json)


@integrate.command()
@click.argument("package_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=90.0,
    show_default=True,
    help="Exit 1 if any package scores below this.",
)
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
    from agentflow.presenters import show_validation
    from agentflow.workflows import validate_packages

    reports = validate_packages(package_dirs, run_tests=not skip_tests)
    passed = show_validation(reports, min_score=min_score, as_json=as_json, junit_file=junit_file)
    sys.exit(EXIT_OK if passed else EXIT_FAILURE)


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
    from agentflow.presenters import show_pattern_list, show_pattern_scores
    from agentflow.workflows import explain_patterns, list_patterns

    if spec_file is None:
        show_pattern_list(list_patterns(), as_json=as_json)
    else:
        show_pattern_scores(explain_patterns(spec_file), as_json=as_json)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))

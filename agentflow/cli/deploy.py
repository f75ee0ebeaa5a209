"""The `deploy`, `rollback` and `deployments` commands: thin wrappers over `agentflow.deploy`.

The library is imported inside each command so that `agentflow --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from agentflow.cli.support import handle_errors, min_score_option

if TYPE_CHECKING:
    pass

__all__ = ["register_deploy_commands"]

_TARGET_HELP = "Where to deploy: dist:PATH, index:PATH or project:PATH (with --into)."
_INTO_HELP = "For project targets: the folder inside the project that receives the package."
_lock_timeout = click.option(
    "--lock-timeout",
    type=click.FloatRange(0),
    default=60.0,
    show_default=True,
    help="Seconds to wait for another deploy to the same target.",
)


@click.command()
@click.argument("package_dir", type=click.Path(file_okay=False))
@click.option("--target", "target_text", required=True, help=_TARGET_HELP)
@click.option("--into", help=_INTO_HELP)
@min_score_option("Deploy nothing and exit 1 if validation scores below this.")
@click.option("--force", is_flag=True, help="Deploy even if validation scores below the minimum.")
@click.option(
    "--dry-run", is_flag=True, help="Validate and build, say what would happen, change nothing."
)
@_lock_timeout
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def deploy(
    package_dir: str,
    target_text: str,
    into: str | None,
    min_score: float,
    force: bool,
    dry_run: bool,
    lock_timeout: float,
    as_json: bool,
) -> None:
    """Validate PACKAGE_DIR, build it and deploy it to a target."""
    from agentflow.cli.presenters import show_deploy
    from agentflow.deploy import deploy_package, parse_target

    target = parse_target(target_text, into=into)
    result = deploy_package(
        package_dir,
        target,
        min_score=min_score,
        force=force,
        dry_run=dry_run,
        lock_timeout=lock_timeout,
    )
    show_deploy(result, as_json=as_json)


@click.command()
@click.argument("name")
@click.option("--target", "target_text", required=True, help=_TARGET_HELP)
@click.option("--into", help=_INTO_HELP)
@_lock_timeout
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def rollback(
    name: str, target_text: str, into: str | None, lock_timeout: float, as_json: bool
) -> None:
    """Put back the version of NAME deployed before the live one."""
    from agentflow.cli.presenters import show_deploy
    from agentflow.deploy import parse_target
    from agentflow.deploy import rollback as rollback_package

    target = parse_target(target_text, into=into)
    show_deploy(rollback_package(name, target, lock_timeout=lock_timeout), as_json=as_json)


@click.command()
@click.option("--target", "target_text", required=True, help=_TARGET_HELP)
@click.option("--into", help="For project targets: only deployments into this folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@handle_errors
def deployments(target_text: str, into: str | None, as_json: bool) -> None:
    """List every deploy and rollback recorded at a target, oldest first."""
    from agentflow.cli.presenters import show_deployments
    from agentflow.deploy import list_deployments, parse_target

    target = parse_target(target_text, into=into, need_place=False)
    show_deployments(target.describe(), list_deployments(target), as_json=as_json)


def register_deploy_commands(group: click.Group) -> None:
    """Add `deploy`, `rollback` and `deployments` to the `integrate` group."""
    for command in (deploy, rollback, deployments):
        group.add_command(command)

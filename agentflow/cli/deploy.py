"""The `deploy`, `rollback` and `deployments` commands: thin wrappers over `agentflow.deploy`.

The library is imported inside each command so that `agentflow --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from agentflow.cli.support import emit_json, handle_errors, min_score_option

if TYPE_CHECKING:
    from agentflow.deploy import DeploymentRecord, DeployResult

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
    _show_result(result, as_json=as_json)


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
    from agentflow.deploy import parse_target
    from agentflow.deploy import rollback as rollback_package

    target = parse_target(target_text, into=into)
    _show_result(rollback_package(name, target, lock_timeout=lock_timeout), as_json=as_json)


@click.command()
@click.option("--target", "target_text", required=True, help=_TARGET_HELP)
@click.option("--into", help="For project targets: only deployments into this folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@handle_errors
def deployments(target_text: str, into: str | None, as_json: bool) -> None:
    """List every deploy and rollback recorded at a target, oldest first."""
    from agentflow.deploy import list_deployments, parse_target

    target = parse_target(target_text, into=into, need_place=False)
    records = list_deployments(target)
    if as_json:
        emit_json({"target": target.describe(), "deployments": [r.to_dict() for r in records]})
        return
    if not records:
        click.echo(f"nothing deployed to {target.describe()} yet")
    for record in records:
        click.echo(_history_line(record))


def _show_result(result: DeployResult, *, as_json: bool) -> None:
    if as_json:
        emit_json(result.to_dict())
        return
    record, where = result.record, result.target.describe()
    label = f"{record.name} {record.version}"
    if result.report is not None:
        click.echo(f"validation score: {result.report.score:g}/100")
    if record.forced:
        click.echo(
            f"forced: deploying although validation scored {record.score:g}, "
            f"below the minimum {record.min_score:g}"
        )
    click.echo(
        {
            "deployed": f"deployed {label} to {where} in {result.duration_seconds:.1f}s",
            "unchanged": f"{label} is already live at {where} with identical content; "
            "nothing changed",
            "dry-run": f"would deploy {label} to {where}; nothing was written (dry run)",
            "rolled-back": f"rolled back {record.name} at {where}: "
            f"{record.previous_version} -> {record.version}",
        }[result.status]
    )
    for filename, digest in sorted(record.artifacts.items()):
        click.echo(f"  {filename}  sha256:{digest}")
    if record.place:
        click.echo(f"  {result.target.root / record.place}  content sha256:{record.content_sha256}")


def _history_line(record: DeploymentRecord) -> str:
    score = "-" if record.score is None else f"{record.score:g}"
    parts = [record.deployed_at, f"{record.action:8}", record.name, record.version]
    parts.append(f"score {score}" + (" (forced)" if record.forced else ""))
    if record.place:
        parts.append(f"at {record.place}")
    return "  ".join(parts)


def register_deploy_commands(group: click.Group) -> None:
    """Add `deploy`, `rollback` and `deployments` to the `integrate` group."""
    for command in (deploy, rollback, deployments):
        group.add_command(command)

"""The deploy commands: ``deploy``, ``execute``, ``status``, ``destroy`` and ``recover``, each a thin
call of :mod:`generator.deploy.commands` with the options it was given; and ``drift``, a thin call of
:mod:`generator.deploy.drift`, which reports like a plan (2 means drift, so every error exits 1)."""

from __future__ import annotations

import click

from generator.cli.base import (
    PlanCommand,
    allow_option,
    deployment,
    env_option,
    env_or_fleet,
    fleet_deployment,
    one_target,
    poll_option,
    templates_option,
    timeout_option,
    wait_option,
    yes_option,
)
from generator.console import echo


def said(result) -> None:
    """Print a command's closing words (its result's message), if it has any."""
    if result is not None and result.message:
        echo(result.message)


@click.command(name="deploy")
@env_or_fleet
@yes_option
@click.option("--no-execute", is_flag=True, help="Make the change set and stop, for review; `execute` runs it.")
@allow_option
@click.option("--replace-failed-stack", is_flag=True,
              help="Delete a stack in ROLLBACK_COMPLETE (a failed creation) and create it again.")  # fmt: skip
@click.option(
    "--delete-site-stack",
    "delete_site_stacks",
    multiple=True,
    metavar="SITE",
    help="--fleet: a removed site whose stack goes too (kept otherwise; refused where data is kept).",
)
@wait_option
@timeout_option
@poll_option
@templates_option
def deploy_command(env_name, fleet_name, assume_yes, no_execute, allow_replace, replace_failed_stack,
                   delete_site_stacks, wait_if_busy, timeout_minutes, poll_seconds, templates_dir):  # fmt: skip
    """Deploy the committed templates/<env>.json through a change set (or, with
    --fleet, templates/fleet-<fleet>.json to its stack set: docs/fleets.md).

    \b
    Refuses what `make check` refuses (a stale template, lint or policy findings).
    Shows every change; refuses (exit 3) to replace or remove a database, cache,
    key, stream, secret or log group unless named with --allow-replace; asks before
    executing (--yes skips; without a terminal and without --yes it stops). Follows
    the stack's events to the end and writes the outputs to outputs/<env>.json.
    What it created and did not run is deleted again (declined, refused, an error
    answer, Ctrl-C, SIGTERM, SIGHUP), and a lifted stack policy restored.
    \b
    Exit codes: 0 deployed or nothing to do, 1 failed, 2 bad usage or input,
    3 refused by the stateful guard, 4 deployed but outputs/<env>.json not
    written, 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP.
    """
    one_target(env_name, fleet_name)
    if fleet_name:
        from generator.cli.fleet import deploy_fleet

        if no_execute or replace_failed_stack:
            raise click.UsageError("--no-execute and --replace-failed-stack are for stacks: a stack set has no change "
                                   "sets (`iotstack diff --fleet` is its review)")  # fmt: skip
        deploy_fleet(fleet_deployment(fleet_name, templates_dir, delete_site_stacks, assume_yes=assume_yes,
                                      allow_replace=allow_replace, wait_if_busy=wait_if_busy,
                                      timeout_minutes=timeout_minutes, poll_seconds=poll_seconds))  # fmt: skip
        return
    if delete_site_stacks:
        raise click.UsageError("--delete-site-stack is for --fleet")
    from generator.deploy.commands import deploy

    said(deploy(deployment(env_name, templates_dir, assume_yes=assume_yes, execute=not no_execute,
                           allow_replace=allow_replace, replace_failed_stack=replace_failed_stack,
                           wait_if_busy=wait_if_busy, timeout_minutes=timeout_minutes,
                           poll_seconds=poll_seconds)))  # fmt: skip


@click.command(name="execute")
@env_option
@click.option("--change-set", "change_set", required=True, metavar="NAME",
              help="The change set `deploy --no-execute` made.")  # fmt: skip
@yes_option
@allow_option
@timeout_option
@poll_option
@templates_option
def execute_command(env_name, change_set, assume_yes, allow_replace, timeout_minutes, poll_seconds, templates_dir):
    """Run a reviewed change set, if it is still AVAILABLE and made from the committed template.

    Exit codes as for deploy.
    """
    from generator.deploy.commands import execute

    said(execute(deployment(env_name, templates_dir, assume_yes=assume_yes, allow_replace=allow_replace,
                            timeout_minutes=timeout_minutes, poll_seconds=poll_seconds), change_set))  # fmt: skip


@click.command(name="status")
@env_or_fleet
@click.option("--wait", is_flag=True, help="If an operation is running, follow it to its end first.")
@timeout_option
@poll_option
@templates_option
def status_command(env_name, fleet_name, wait, timeout_minutes, poll_seconds, templates_dir):
    """Show the stack's status, the deployed version and template hash against the committed one, outputs
    (with --fleet: the stack set and each site's instance, drift and last operation)."""
    one_target(env_name, fleet_name)
    if fleet_name:
        from generator.fleet.status import status_fleet

        echo(status_fleet(fleet_deployment(fleet_name, templates_dir, poll_seconds=poll_seconds)), nl=False)
        return
    from generator.deploy.commands import status

    echo(
        status(
            deployment(env_name, templates_dir, timeout_minutes=timeout_minutes, poll_seconds=poll_seconds), wait=wait
        )
    )


@click.command(name="bootstrap")
@env_or_fleet
@click.option("--execution-role", is_flag=True,
              help="--fleet: the execution role in a site's account, with that account's credentials.")  # fmt: skip
@yes_option
@wait_option
@timeout_option
@poll_option
def bootstrap_command(env_name, fleet_name, execution_role, assume_yes, wait_if_busy, timeout_minutes, poll_seconds):
    """Create or update the bootstrap stack of the environment's account and region.

    \b
    iotstack-bootstrap holds the artifact bucket that deploy uploads templates over
    51,200 bytes to (encrypted, versioned, private, TLS only, expiring old objects;
    kept when the stack goes). Made from the committed templates/bootstrap.json,
    through a change set, with deploy's confirmation rules and exit codes; with
    nothing to change it exits 0. With --fleet: in the administrator account and
    the region of the fleet's stack set, with a self-managed stack set's
    administration role (iotstack-fleet-<fleet>-administration); it then names
    the execution role's template and the command that deploys it in each site's
    account. --execution-role is that command: it deploys the execution role
    (iotstack-fleet-<fleet>-execution) in the account of the shell's credentials,
    which must be one of the sites' (docs/fleets-roles.md).
    """
    one_target(env_name, fleet_name)
    options = {"assume_yes": assume_yes, "wait_if_busy": wait_if_busy, "timeout_minutes": timeout_minutes,
               "poll_seconds": poll_seconds}  # fmt: skip
    if fleet_name:
        from generator.cli.fleet import bootstrap_fleet, bootstrap_site

        if execution_role:
            bootstrap_site(fleet_deployment(fleet_name, site=True, **options))
        else:
            bootstrap_fleet(fleet_deployment(fleet_name, **options))
        return
    if execution_role:
        raise click.UsageError("--execution-role is for --fleet: the execution role of a fleet's site account")
    from generator.deploy.commands import bootstrap

    said(bootstrap(deployment(env_name, **options)))


@click.command(name="destroy")
@env_option
@yes_option
@wait_option
@timeout_option
@poll_option
def destroy_command(env_name, assume_yes, wait_if_busy, timeout_minutes, poll_seconds):
    """Delete the stack, after confirmation.

    Refused while the stack's termination protection or the database's deletion
    protection is on. Resources with DeletionPolicy Retain or Snapshot are kept.
    """
    from generator.deploy.commands import destroy

    said(destroy(deployment(env_name, assume_yes=assume_yes, wait_if_busy=wait_if_busy,
                            timeout_minutes=timeout_minutes, poll_seconds=poll_seconds)))  # fmt: skip


@click.command(name="recover")
@env_option
@click.option("--skip", multiple=True, metavar="LOGICAL_ID", help="A resource the rollback should skip (repeatable).")
@wait_option
@timeout_option
@poll_option
def recover_command(env_name, skip, wait_if_busy, timeout_minutes, poll_seconds):
    """Continue the rollback of a stack stuck in UPDATE_ROLLBACK_FAILED."""
    from generator.deploy.commands import recover

    said(recover(deployment(env_name, wait_if_busy=wait_if_busy, timeout_minutes=timeout_minutes,
                            poll_seconds=poll_seconds), skip))  # fmt: skip


DRIFT_FORMATS = ("table", "json")  # generator.deploy.drift.FORMATS


@click.command(name="drift", cls=PlanCommand)
@env_or_fleet
@click.option("--format", "fmt", type=click.Choice(DRIFT_FORMATS), default="table", show_default=True,
              help="table for a terminal (80 columns), json for machines.")  # fmt: skip
@click.option("--timeout", "timeout_minutes", type=click.IntRange(1, 720), metavar="MINUTES",
              help="How long to wait for the detection (default: 15).")  # fmt: skip
@poll_option
def drift_command(env_name, fleet_name, fmt, timeout_minutes, poll_seconds):
    """Detect drift: list every resource that no longer matches the template the stack runs.

    \b
    Runs CloudFormation's drift detection on the stack and waits for it; lists each
    MODIFIED or DELETED resource with its property differences, expected -> actual
    (credentials masked). Progress goes to stderr, the report to stdout.
    \b
    Exit codes: 0 in sync, 2 drifted, 1 error (no such stack, bad credentials,
    detection failed or timed out, bad usage).
    """
    one_target(env_name, fleet_name)
    if fleet_name:
        from generator.fleet.status import drift_fleet

        found = drift_fleet(fleet_deployment(fleet_name, timeout_minutes=timeout_minutes, poll_seconds=poll_seconds))
        echo(found.render(), nl=False)
        raise SystemExit(found.exit_code)
    from generator.deploy.drift import drift, render

    result = drift(deployment(env_name, timeout_minutes=timeout_minutes, poll_seconds=poll_seconds))
    echo(render(result, fmt), nl=False)
    raise SystemExit(result.exit_code)

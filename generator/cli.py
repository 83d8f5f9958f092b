"""The ``iotstack`` command: parse options, find the project, build the Cloud and Console, call one
library function, and turn the project's errors into a message and an exit code, here, in one place.

Exit codes: 0 success (or nothing to do), 1 failed (e.g. lint findings, a failed deploy), 2 bad
usage or input (unknown environment, invalid environment file, stale template, no credentials),
3 refused by the stateful guard, 130 interrupted (Ctrl-C). ``iotstack diff`` reports like a plan:
2 and 3 mean changes there, so its errors exit 1 (:class:`_PlanCommand`).

Each command imports what it needs when it runs: ``template``, ``check``, ``diff`` and ``lint``
never import boto3, and only the commands that lint import cfn-lint.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from generator import __version__
from generator.errors import Interrupted, IotstackError, UsageError

DIFF_FORMATS = ("table", "markdown", "json")  # generator.review.plan_format.FORMATS
LINT_FORMATS = ("text", "json", "sarif")  # generator.lint.FORMATS


class _Failure(click.ClickException):
    """An :class:`IotstackError` on its way out, with its exit code."""

    def __init__(self, error: IotstackError, exit_code: int | None = None):
        super().__init__(str(error))
        self.exit_code = error.exit_code if exit_code is None else exit_code


def _failure(error: BaseException) -> _Failure:
    if isinstance(error, KeyboardInterrupt):
        error = Interrupted("interrupted; nothing was written or sent")
    return _Failure(error)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (IotstackError, KeyboardInterrupt) as error:
            raise _failure(error) from error


class _PlanCommand(click.Command):
    """A command whose exit codes 2 and 3 mean changes: every error, bad usage included, exits 1."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as error:
            error.exit_code = 1
            raise

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (IotstackError, KeyboardInterrupt) as error:
            failure = _failure(error)
            failure.exit_code = 1
            raise failure from error


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iotstack")
def main() -> None:
    """iotstack: CloudFormation for the industrial-IoT data platform.

    \b
    Exit codes: 0 success or nothing to do, 1 failed, 2 bad usage or input,
    3 refused by the stateful guard (a replacement or removal nobody allowed),
    130 interrupted.
    diff: 0 no changes, 2 changes, 3 a stateful resource replaced or removed, 1 error.
    Run it anywhere inside the project (the folder with setup.cfg).
    AWS_ENDPOINT_URL points every AWS call elsewhere (e.g. the local emulator of `make demo`).
    """


def _workspace(templates: Path | None = None):
    from generator.workspace import Workspace

    return Workspace.find(templates=templates)


def _environments(workspace, names):
    from generator.config import load_environments

    return load_environments(names, workspace.environments)


_templates_option = click.option(
    "--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Folder of the committed templates (default: the project's templates/).",
)  # fmt: skip
_envs_option = click.option(
    "--env", "envs", multiple=True, metavar="NAME", help="Environment (repeatable; default: all)."
)


@main.command()
@click.option("--env", "envs", multiple=True, metavar="NAME", help="Environment to build (repeatable; default: all).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder the <env>.json and <env>.md files go to (default: the project's templates/).")  # fmt: skip
@click.option("--no-lint", is_flag=True, help="Skip cfn-lint (faster; for experiments, not for review).")
def template(envs: tuple[str, ...], out_dir: Path | None, no_lint: bool) -> None:
    """Generate, lint and write templates/<env>.json (and its picture <env>.md) for each environment.

    Nothing is written unless every template is clean; each file is replaced atomically.
    """
    from generator.errors import LintError
    from generator.generate import generate, summary

    started = time.perf_counter()
    workspace = _workspace(out_dir)
    try:
        results = generate(_environments(workspace, envs), workspace, lint=not no_lint)
    except LintError as error:
        click.echo(summary(error.results, workspace), err=True)
        raise
    click.echo(summary(results, workspace))
    changed = sum(r.file == "written" for r in results)
    click.echo(f"{len(results)} template(s), {changed} changed, in {time.perf_counter() - started:.2f} s")


# --- review: check, diff, lint -------------------------------------------------------------------


@main.command()
@_envs_option
@_templates_option
def check(envs: tuple[str, ...], templates_dir: Path | None) -> None:
    """The review gate: committed templates current, cfn-lint clean, policy rules clean.

    \b
    Exit codes: 0 all good, 1 a problem (each is listed with what to do), 2 bad usage.
    """
    from generator.review.check import check as run_check
    from generator.rules import RULES

    started = time.perf_counter()
    workspace = _workspace(templates_dir)
    report = run_check(_environments(workspace, envs), workspace, every=not envs)
    click.echo(f"check passed: {len(report.environments)} environment(s) ({', '.join(report.environments)}): "
               f"templates and pictures current, cfn-lint and {len(RULES)} policy rules clean, "
               f"in {time.perf_counter() - started:.2f} s")  # fmt: skip


@main.command(cls=_PlanCommand)
@_envs_option
@click.option("--base", default=None, metavar="GIT_REF",
              help="Compare with templates/<env>.json at this git revision (default: HEAD).")  # fmt: skip
@click.option("--deployed", is_flag=True,
              help="Compare with the template of the deployed stack instead (AWS credentials needed).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="table", show_default=True,
              help="table for a terminal, markdown for a pull-request comment, json for machines.")  # fmt: skip
@_templates_option
def diff(envs: tuple[str, ...], base: str | None, deployed: bool, fmt: str, templates_dir: Path | None) -> None:
    """What deploying the generated templates would do, compared with --base (or --deployed).

    Resource by resource: added, removed, modified (changed paths, before and after, secrets
    masked), and whether each modification replaces the resource (CloudFormation's resource
    schemas), following references: what refers to a replaced resource is replaced or modified.

    \b
    Exit codes: 0 no changes, 2 changes, 3 changes that replace (or may replace)
    or remove a stateful resource, 1 error (bad usage included).
    """
    from generator.review.diff import diff as run_diff

    if deployed and base:
        raise UsageError("--base and --deployed are two different baselines: give one of them")
    workspace = _workspace(templates_dir)
    text, exit_code = run_diff(_environments(workspace, envs), workspace, base, _connect if deployed else None, fmt)
    click.echo(text, nl=False)
    raise SystemExit(exit_code)


@main.command()
@_envs_option
@click.option("--format", "fmt", type=click.Choice(LINT_FORMATS), default="text", show_default=True,
              help="text, json, or sarif (for code-scanning pages that show findings inline).")  # fmt: skip
@_templates_option
def lint(envs: tuple[str, ...], fmt: str, templates_dir: Path | None) -> None:
    """cfn-lint and the policy rules over the committed templates, in cfn-lint's formats.

    \b
    Exit codes: 0 clean, 1 findings, 2 bad usage (e.g. a template file is missing).
    """
    from generator.lint import lint_files

    workspace = _workspace(templates_dir)
    files = {workspace.template(env.name): env.region for env in _environments(workspace, envs)}
    missing = [workspace.show(p) for p in files if not p.is_file()]
    if missing:
        raise UsageError(f"no template {', '.join(missing)}: run `make template` first")
    report, count = lint_files(files, fmt)
    if report:
        click.echo(report)
    if count:
        raise SystemExit(1)


@main.command("scan")
@click.argument("templates", nargs=-1, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--scanners", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding the checkov and cfripper commands (default: .venv-scan/bin).")  # fmt: skip
def scan_command(templates: tuple[Path, ...], scanners: Path | None) -> None:
    """Run checkov and cfripper over templates (default: templates/*.json); fail on any
    finding that is not suppressed, with its reason, in the resource's Metadata."""
    from generator.errors import ScanError
    from generator.scan import scan, summary

    started = time.perf_counter()
    workspace = _workspace()
    report = scan(list(templates) or sorted(workspace.templates.glob("*.json")), scanners or workspace.scanners,
                  workspace.cfripper_filters)  # fmt: skip
    click.echo(f"{summary(report)}, in {time.perf_counter() - started:.1f} s")
    if report.findings:
        raise ScanError(f"{len(report.findings)} unsuppressed scanner finding(s); fix them, or suppress each "
                        "with a reason in the resource's Metadata and list it in docs/SECURITY.md")  # fmt: skip


# --- deploying --------------------------------------------------------------------------------------

_env_option = click.option("--env", "env_name", required=True, metavar="NAME", help="The environment.")
_yes_option = click.option("--yes", "-y", "assume_yes", is_flag=True, help="Do not ask; needed without a terminal.")
_timeout_option = click.option(
    "--timeout", "timeout_minutes", type=click.IntRange(1, 720), metavar="MINUTES",
    help="How long to wait for the stack (default: the environment's deploy.timeout_minutes).",
)  # fmt: skip
# Tests set it to 0: following an operation asks AWS every poll_seconds, never sleeps more.
_poll_option = click.option("--poll-seconds", type=click.FloatRange(0, 60), default=5.0, hidden=True)
_allow_option = click.option("--allow-replace", multiple=True, metavar="LOGICAL_ID",
                             help="Allow this stateful resource to be replaced or removed (repeatable).")  # fmt: skip


def _connect(region: str):
    """The AWS gateway: boto3 is imported here, by the commands that talk to AWS, only."""
    from generator.aws import gateway

    return gateway.connect(region)


def _deployment(env_name: str, templates_dir: Path | None = None, **options):
    from generator.console import Console
    from generator.deploy.commands import Deployment, Options

    workspace = _workspace(templates_dir)
    (env,) = _environments(workspace, [env_name])
    return Deployment(env, workspace, _connect(env.region), Console(), Options(**options))


@main.command(name="deploy")
@_env_option
@_yes_option
@click.option("--no-execute", is_flag=True, help="Make the change set and stop, for review; `execute` runs it.")
@_allow_option
@click.option("--replace-failed-stack", is_flag=True,
              help="Delete a stack in ROLLBACK_COMPLETE (a failed creation) and create it again.")  # fmt: skip
@click.option("--wait", "wait_if_busy", is_flag=True, help="If another operation is running, wait for it to end.")
@_timeout_option
@_poll_option
@_templates_option
def deploy_command(env_name, assume_yes, no_execute, allow_replace, replace_failed_stack, wait_if_busy,
                   timeout_minutes, poll_seconds, templates_dir):  # fmt: skip
    """Deploy the committed templates/<env>.json through a change set.

    \b
    Refuses what `make check` refuses (a stale template, lint or policy findings).
    Shows every change; refuses (exit 3) to replace or remove a database, cache,
    key, stream, secret or log group unless named with --allow-replace; asks before
    executing (--yes skips; without a terminal and without --yes it stops). Follows
    the stack's events to the end and writes the outputs to outputs/<env>.json.
    What it created and did not run is deleted again (declined, refused, Ctrl-C).
    \b
    Exit codes: 0 deployed or nothing to do, 1 failed, 2 bad usage or input,
    3 refused by the stateful guard, 130 interrupted.
    """
    from generator.deploy.commands import deploy

    deploy(_deployment(env_name, templates_dir, assume_yes=assume_yes, execute=not no_execute,
                       allow_replace=allow_replace, replace_failed_stack=replace_failed_stack,
                       wait_if_busy=wait_if_busy, timeout_minutes=timeout_minutes,
                       poll_seconds=poll_seconds))  # fmt: skip


@main.command(name="execute")
@_env_option
@click.option("--change-set", "change_set", required=True, metavar="NAME",
              help="The change set `deploy --no-execute` made.")  # fmt: skip
@_yes_option
@_allow_option
@_timeout_option
@_poll_option
@_templates_option
def execute_command(env_name, change_set, assume_yes, allow_replace, timeout_minutes, poll_seconds, templates_dir):
    """Run a reviewed change set, if it is still AVAILABLE and made from the committed template.

    Exit codes as for deploy.
    """
    from generator.deploy.commands import execute

    execute(_deployment(env_name, templates_dir, assume_yes=assume_yes, allow_replace=allow_replace,
                        timeout_minutes=timeout_minutes, poll_seconds=poll_seconds), change_set)  # fmt: skip


@main.command(name="status")
@_env_option
@click.option("--wait", is_flag=True, help="If an operation is running, follow it to its end first.")
@_timeout_option
@_poll_option
@_templates_option
def status_command(env_name, wait, timeout_minutes, poll_seconds, templates_dir):
    """Show the stack's status, the deployed version and template hash against the committed one, outputs."""
    from generator.deploy.commands import status

    click.echo(
        status(
            _deployment(env_name, templates_dir, timeout_minutes=timeout_minutes, poll_seconds=poll_seconds), wait=wait
        )
    )


@main.command(name="destroy")
@_env_option
@_yes_option
@_timeout_option
@_poll_option
def destroy_command(env_name, assume_yes, timeout_minutes, poll_seconds):
    """Delete the stack, after confirmation.

    Refused while the stack's termination protection or the database's deletion
    protection is on. Resources with DeletionPolicy Retain or Snapshot are kept.
    """
    from generator.deploy.commands import destroy

    destroy(_deployment(env_name, assume_yes=assume_yes, timeout_minutes=timeout_minutes, poll_seconds=poll_seconds))


@main.command(name="recover")
@_env_option
@click.option("--skip", multiple=True, metavar="LOGICAL_ID", help="A resource the rollback should skip (repeatable).")
@_timeout_option
@_poll_option
def recover_command(env_name, skip, timeout_minutes, poll_seconds):
    """Continue the rollback of a stack stuck in UPDATE_ROLLBACK_FAILED."""
    from generator.deploy.commands import recover

    recover(_deployment(env_name, timeout_minutes=timeout_minutes, poll_seconds=poll_seconds), skip)

"""The ``iotstack`` command: a thin layer that parses options and calls library functions.

Errors raised as :class:`~generator.errors.IotstackError` become one message on stderr and the
error's exit code here, in one place: 0 success (or nothing to do), 1 failed (e.g. lint findings,
a failed deploy), 2 bad usage or input (unknown environment, invalid environment file, stale
template, no credentials), 3 refused by the stateful guard. ``iotstack diff`` reports like a plan:
2 and 3 mean changes there, so its errors exit 1 (:class:`_PlanCommand`).
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from generator import __version__, aws
from generator import deploy as deploying
from generator.config import load_environments
from generator.console import Console, table
from generator.diff import FORMATS as DIFF_FORMATS
from generator.errors import IotstackError, LintError, ScanError, UsageError
from generator.generate import INLINE_TEMPLATE_LIMIT, Generated, generate
from generator.lint import FORMATS as LINT_FORMATS


class _Failure(click.ClickException):
    """An :class:`IotstackError` on its way out, with its exit code."""

    def __init__(self, error: IotstackError, exit_code: int | None = None):
        super().__init__(str(error))
        self.exit_code = error.exit_code if exit_code is None else exit_code


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except IotstackError as error:
            raise _Failure(error) from error


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iotstack")
def main() -> None:
    """iotstack: CloudFormation for the industrial-IoT data platform.

    \b
    Exit codes: 0 success or nothing to do, 1 failed, 2 bad usage or input,
    3 refused by the stateful guard (a replacement or removal nobody allowed).
    diff: 0 no changes, 2 changes, 3 a stateful resource replaced or removed, 1 error.
    AWS_ENDPOINT_URL points every AWS call elsewhere (e.g. the local emulator of `make demo`).
    """


@main.command()
@click.option("--env", "envs", multiple=True, metavar="NAME", help="Environment to build (repeatable; default: all).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("templates"),
              show_default=True, help="Folder the <env>.json files are written to.")  # fmt: skip
@click.option("--no-lint", is_flag=True, help="Skip cfn-lint (faster; for experiments, not for review).")
def template(envs: tuple[str, ...], out_dir: Path, no_lint: bool) -> None:
    """Generate, lint and write templates/<env>.json (and its picture <env>.md) for each environment.

    Nothing is written unless every template is clean; each file is replaced atomically.
    """
    started = time.perf_counter()
    try:
        results = generate(envs, out_dir, lint=not no_lint)
    except LintError as error:
        click.echo(summary(error.results), err=True)
        raise
    click.echo(summary(results))
    changed = sum(r.file == "written" for r in results)
    click.echo(f"{len(results)} template(s), {changed} changed, in {time.perf_counter() - started:.2f} s")


def summary(results: list[Generated]) -> str:
    """A short table: one row per environment."""
    rows = [("environment", "resources", "bytes", f"inline (<= {INLINE_TEMPLATE_LIMIT:,} B)", "lint", "file")]
    for r in results:
        lint = "skipped" if r.findings is None else f"{len(r.findings)} finding(s)" if r.findings else "clean"
        fits = "yes" if r.size <= INLINE_TEMPLATE_LIMIT else "no: needs an S3 bucket"
        rows.append((r.env.name, str(r.resources), f"{r.size:,}", fits, lint, f"{r.path} ({r.file})"))
    return table(rows, right=(1, 2))


# --- deploying ------------------------------------------------------------------------------

_env_option = click.option("--env", "env_name", required=True, metavar="NAME", help="The environment.")
_yes_option = click.option("--yes", "-y", "assume_yes", is_flag=True, help="Do not ask; needed without a terminal.")
_timeout_option = click.option(
    "--timeout", "timeout_minutes", type=click.IntRange(1, 720), metavar="MINUTES",
    help="How long to wait for the stack (default: the environment's deploy.timeout_minutes).",
)  # fmt: skip
_templates_option = click.option(
    "--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("templates"),
    show_default=True, help="Folder of the committed templates.",
)  # fmt: skip


def _context(env_name: str) -> tuple:
    (env,) = load_environments([env_name])
    return env, aws.connect(env.region), Console()


@main.command(name="deploy")
@_env_option
@_yes_option
@click.option("--no-execute", is_flag=True, help="Make the change set and stop, for review; `execute` runs it.")
@click.option("--allow-replace", multiple=True, metavar="LOGICAL_ID",
              help="Allow this stateful resource to be replaced or removed (repeatable).")  # fmt: skip
@click.option("--replace-failed-stack", is_flag=True,
              help="Delete a stack in ROLLBACK_COMPLETE (a failed creation) and create it again.")  # fmt: skip
@click.option("--wait", "wait_if_busy", is_flag=True, help="If another operation is running, wait for it to end.")
@_timeout_option
@_templates_option
def deploy_command(env_name, assume_yes, no_execute, allow_replace, replace_failed_stack, wait_if_busy,
                   timeout_minutes, templates_dir):  # fmt: skip
    """Deploy the committed templates/<env>.json through a change set.

    \b
    Refuses a stale or lint-failing template. Shows every change; refuses (exit 3)
    to replace or remove a database, cache, key, stream, secret or log group unless
    named with --allow-replace; asks before executing (--yes skips; without a
    terminal and without --yes it stops). Follows the stack's events to the end and
    writes the outputs to outputs/<env>.json.
    \b
    Exit codes: 0 deployed or nothing to do, 1 failed, 2 bad usage or input,
    3 refused by the stateful guard.
    """
    env, cloud, console = _context(env_name)
    options = deploying.Options(
        assume_yes=assume_yes, execute=not no_execute, allow_replace=allow_replace,
        replace_failed_stack=replace_failed_stack, wait_if_busy=wait_if_busy, timeout_minutes=timeout_minutes,
        templates_dir=templates_dir,
    )  # fmt: skip
    deploying.deploy(env, cloud, console, options)


@main.command(name="execute")
@_env_option
@click.option(
    "--change-set", "change_set", required=True, metavar="NAME", help="The change set `deploy --no-execute` made."
)
@_yes_option
@click.option("--allow-replace", multiple=True, metavar="LOGICAL_ID",
              help="Allow this stateful resource to be replaced or removed (repeatable).")  # fmt: skip
@_timeout_option
@_templates_option
def execute_command(env_name, change_set, assume_yes, allow_replace, timeout_minutes, templates_dir):
    """Run a reviewed change set, if it is still AVAILABLE and made from the committed template.

    Exit codes as for deploy.
    """
    env, cloud, console = _context(env_name)
    options = deploying.Options(assume_yes=assume_yes, allow_replace=allow_replace, timeout_minutes=timeout_minutes,
                                templates_dir=templates_dir)  # fmt: skip
    deploying.execute(env, change_set, cloud, console, options)


@main.command(name="status")
@_env_option
@_templates_option
def status_command(env_name, templates_dir):
    """Show the stack's status, the deployed version and template hash against the committed one, outputs."""
    env, cloud, _ = _context(env_name)
    click.echo(deploying.status(env, cloud, deploying.Options(templates_dir=templates_dir)))


@main.command(name="destroy")
@_env_option
@_yes_option
@_timeout_option
def destroy_command(env_name, assume_yes, timeout_minutes):
    """Delete the stack, after confirmation.

    Refused while the stack's termination protection or the database's deletion
    protection is on. Resources with DeletionPolicy Retain or Snapshot are kept.
    """
    env, cloud, console = _context(env_name)
    deploying.destroy(env, cloud, console, deploying.Options(assume_yes=assume_yes, timeout_minutes=timeout_minutes))


@main.command(name="recover")
@_env_option
@click.option("--skip", multiple=True, metavar="LOGICAL_ID", help="A resource the rollback should skip (repeatable).")
@_timeout_option
def recover_command(env_name, skip, timeout_minutes):
    """Continue the rollback of a stack stuck in UPDATE_ROLLBACK_FAILED."""
    env, cloud, console = _context(env_name)
    deploying.recover(env, cloud, console, deploying.Options(timeout_minutes=timeout_minutes), skip)


# --- iotstack scan (issue 5): the independent security scanners ---------------------------------


@main.command("scan")
@click.argument("templates", nargs=-1, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--scanners", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding the checkov and cfripper commands (default: .venv-scan/bin).")  # fmt: skip
def scan_command(templates: tuple[Path, ...], scanners: Path | None) -> None:
    """Run checkov and cfripper over templates (default: templates/*.json); fail on any
    finding that is not suppressed, with its reason, in the resource's Metadata."""
    from generator.scan import DEFAULT_SCANNERS, ROOT, scan
    from generator.scan import summary as scan_summary

    started = time.perf_counter()
    report = scan(list(templates) or sorted((ROOT / "templates").glob("*.json")), scanners or DEFAULT_SCANNERS)
    click.echo(f"{scan_summary(report)}, in {time.perf_counter() - started:.1f} s")
    if report.findings:
        raise ScanError(f"{len(report.findings)} unsuppressed scanner finding(s); fix them, or suppress each "
                        "with a reason in the resource's Metadata and list it in docs/SECURITY.md")  # fmt: skip


# --- review: check, diff, lint (issue 4) -----------------------------------------------------------

_envs_option = click.option(
    "--env", "envs", multiple=True, metavar="NAME", help="Environment (repeatable; default: all)."
)


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
        except IotstackError as error:
            raise _Failure(error, exit_code=1) from error


@main.command()
@_envs_option
@_templates_option
def check(envs: tuple[str, ...], templates_dir: Path) -> None:
    """The review gate: committed templates current, cfn-lint clean, policy rules clean.

    \b
    Exit codes: 0 all good, 1 a problem (each is listed with what to do), 2 bad usage.
    """
    from generator.check import check as run_check  # imports cfn-lint: only the commands that need it
    from generator.rules import RULES

    started = time.perf_counter()
    report = run_check(envs, templates_dir)
    click.echo(f"check passed: {len(report.environments)} environment(s) ({', '.join(report.environments)}): "
               f"templates and pictures current, cfn-lint and {len(RULES)} policy rules clean, "
               f"in {time.perf_counter() - started:.2f} s")  # fmt: skip


@main.command(cls=_PlanCommand)
@_envs_option
@click.option(
    "--base",
    default=None,
    metavar="GIT_REF",
    help="Compare with templates/<env>.json at this git revision (default: HEAD).",
)
@click.option("--deployed", is_flag=True,
              help="Compare with the template of the deployed stack instead (AWS credentials needed).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="table", show_default=True,
              help="table for a terminal, markdown for a pull-request comment, json for machines.")  # fmt: skip
@_templates_option
def diff(envs: tuple[str, ...], base: str | None, deployed: bool, fmt: str, templates_dir: Path) -> None:
    """What deploying the generated templates would do, compared with --base (or --deployed).

    Resource by resource: added, removed, modified (changed paths, before and after, secrets
    masked), and whether each modification replaces the resource (CloudFormation's resource
    schemas), following references: what refers to a replaced resource is replaced or modified.

    \b
    Exit codes: 0 no changes, 2 changes, 3 changes that replace (or may replace)
    or remove a stateful resource, 1 error (bad usage included).
    """
    import json

    from generator.baseline import from_deployed, from_git
    from generator.diff import plan, render_plan
    from generator.generate import build

    if deployed and base:
        raise UsageError("--base and --deployed are two different baselines: give one of them")
    environments = load_environments(envs)
    baseline = from_deployed(environments) if deployed else from_git(base or "HEAD", templates_dir)
    plans = []
    for env in environments:
        after = json.loads(build(env, templates_dir).text)
        plans.append(plan(baseline.load(env.name), after, env.region, env.name, baseline.label(env.name)))
    click.echo(render_plan(plans, fmt), nl=False)
    raise SystemExit(max(p.exit_code for p in plans))


@main.command()
@_envs_option
@click.option("--format", "fmt", type=click.Choice(LINT_FORMATS), default="text", show_default=True,
              help="text, json, or sarif (for code-scanning pages that show findings inline).")  # fmt: skip
@_templates_option
def lint(envs: tuple[str, ...], fmt: str, templates_dir: Path) -> None:
    """cfn-lint and the policy rules over the committed templates, in cfn-lint's formats.

    \b
    Exit codes: 0 clean, 1 findings, 2 bad usage (e.g. a template file is missing).
    """
    from generator.lint import lint_files

    files = {templates_dir / f"{env.name}.json": env.region for env in load_environments(envs)}
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise UsageError(f"no template {', '.join(missing)}: run `make template` first")
    report, count = lint_files(files, fmt)
    if report:
        click.echo(report)
    if count:
        raise SystemExit(1)

"""What every ``iotstack`` command shares: errors as exit codes, finding the project, loading its
environments, reaching AWS, and the options several commands take."""

from __future__ import annotations

import contextlib
import gc
import os
from pathlib import Path

import click

from generator.config import Environment, load_environments
from generator.errors import Interrupted, IotstackError, signals_raised
from generator.masking import masked_text
from generator.workspace import Workspace


class Failure(click.ClickException):
    """An :class:`IotstackError` on its way out, with its exit code; its message is masked
    (:func:`generator.masking.masked_text`): no error prints a credential."""

    def __init__(self, error: IotstackError, exit_code: int | None = None):
        super().__init__(masked_text(str(error)))
        self.exit_code = error.exit_code if exit_code is None else exit_code

    def show(self, file=None) -> None:
        with contextlib.suppress(BrokenPipeError):  # stderr gone: nobody to tell; the exit code still says it
            super().show(file)


# What a command works on, once it has it (``--env dev``, ``--fleet plants``): a stop that no step explained names it.
_working_on: list[str] = []


def as_failure(error: BaseException) -> Failure:
    """The error as click raises it. A signal that no step explained (Ctrl-C, SIGTERM, SIGHUP): files
    are written whole or not at all; where the command works on a stack, ``status`` says where it stands."""
    if isinstance(error, KeyboardInterrupt):
        stack = (f"; `iotstack status {_working_on[-1]}` shows where it stands" if _working_on
                 else "")  # fmt: skip
        error = Interrupted(f"files are written whole or not at all{stack}", by=error)
    return Failure(error)


# Commands that finish within seconds and allocate objects that live until they exit: Python's cyclic
# collector only rescans them (about a twentieth of `template`'s time), so it stays off in them.
# Not in deploy, status or drift, which may wait an hour.
QUICK = ("template", "check", "diff", "lint")


class Group(click.Group):
    """The ``iotstack`` group: every command's :class:`IotstackError` becomes its message and exit code.

    Its commands are named in ``commands_by_name`` (``name -> "module:function"`` in this package)
    and imported when they run, so that a command loads only what it needs; a :data:`QUICK` one runs
    with the cyclic garbage collector off.
    """

    def __init__(self, *args, commands_by_name: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands_by_name = commands_by_name or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.commands_by_name})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands_by_name:
            return super().get_command(ctx, name)
        import importlib

        if name in QUICK:
            gc.disable()
        module, function = self.commands_by_name[name].split(":")
        return getattr(importlib.import_module(f"generator.cli.{module}"), function)

    def invoke(self, ctx: click.Context):
        """Run the command with SIGTERM and SIGHUP raised like Ctrl-C: one way out for every stop. What
        no step expected (a bug) is one masked line too, not a traceback, unless IOTSTACK_DEBUG is set."""
        _working_on.clear()
        try:
            with signals_raised():
                return super().invoke(ctx)
        except (IotstackError, KeyboardInterrupt) as error:
            raise as_failure(error) from error
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            if os.environ.get("IOTSTACK_DEBUG"):
                raise
            raise Failure(
                IotstackError(
                    f"iotstack failed unexpectedly ({type(error).__name__}: {error}): a bug of "
                    "iotstack's; IOTSTACK_DEBUG=1 shows where, for a report"
                )
            ) from error


class PlanCommand(click.Command):
    """A command whose exit codes 2 and 3 mean changes: every error, bad usage included, exits 1 (a
    signal keeps its own, 128 + its number)."""

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
            failure = as_failure(error)
            if not isinstance(error, (Interrupted, KeyboardInterrupt)):
                failure.exit_code = 1
            raise failure from error


def find_workspace(templates: Path | None = None, existing: bool = True) -> Workspace:
    """The project around the working directory; ``templates`` moves its templates folder (one that
    must be there, unless it is only written: ``existing`` false)."""
    return Workspace.find(templates=templates, existing=existing)


def load_envs(workspace: Workspace, names) -> list[Environment]:
    """The named environments of the project (all when none is named), every problem reported at once."""
    return load_environments(names, workspace.environments)


def load_all(workspace: Workspace, envs, fleets) -> tuple[list[Environment], list]:
    """What ``--env`` and ``--fleet`` name: those environments and fleets; with neither, every environment and
    every fleet of the project. Every problem of every file at once."""
    from generator.errors import ConfigError
    from generator.fleet import load_fleets

    every = not envs and not fleets
    problems, loaded = [], []
    for wanted, load in ((envs, lambda: load_envs(workspace, envs)),
                         (fleets, lambda: load_fleets(fleets, workspace.fleets, workspace.environments))):  # fmt: skip
        try:
            loaded.append(load() if wanted or every else [])
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return loaded[0], loaded[1]


templates_option = click.option(
    "--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Folder of the committed templates (default: the project's templates/).",
)  # fmt: skip
envs_option = click.option(
    "--env", "envs", multiple=True, metavar="NAME", help="Environment (repeatable; default: all)."
)


fleets_option = click.option(
    "--fleet", "fleets", multiple=True, metavar="NAME",
    help="Fleet, fleets/NAME.toml (repeatable; default: all, when no --env is given either).",
)  # fmt: skip
env_option = click.option("--env", "env_name", required=True, metavar="NAME", help="The environment.")
# A command that works on an environment's stack or a fleet's stack set: exactly one of --env and --fleet.
target_options = [
    click.option("--env", "env_name", metavar="NAME", help="The environment."),
    click.option("--fleet", "fleet_name", metavar="NAME", help="Or the fleet, fleets/NAME.toml (its stack set)."),
]


def env_or_fleet(function):
    """``--env NAME`` or ``--fleet NAME``, one of them."""
    for option in reversed(target_options):
        function = option(function)
    return function


def one_target(env_name: str | None, fleet_name: str | None) -> None:
    if bool(env_name) == bool(fleet_name):
        raise click.UsageError("give --env NAME or --fleet NAME (one of them)")


yes_option = click.option("--yes", "-y", "assume_yes", is_flag=True, help="Do not ask; needed without a terminal.")
timeout_option = click.option(
    "--timeout", "timeout_minutes", type=click.IntRange(1, 720), metavar="MINUTES",
    help="How long to wait for the stack (default: the environment's deploy.timeout_minutes).",
)  # fmt: skip
# Tests set it to 0: following an operation asks AWS every poll_seconds, never sleeps more.
poll_option = click.option("--poll-seconds", type=click.FloatRange(0, 60), default=5.0, hidden=True)
wait_option = click.option("--wait", "wait_if_busy", is_flag=True,
                           help="If another operation is running, wait for it to end.")  # fmt: skip
allow_option = click.option("--allow-replace", multiple=True, metavar="LOGICAL_ID",
                             help="Allow this stateful resource to be replaced or removed (repeatable).")  # fmt: skip


def cloud_for(env: Environment):
    """The AWS gateway for ``env``, behind its account guard: boto3 is imported here, by the commands
    that talk to AWS, only."""
    from generator.aws import accounts

    return accounts.for_environment(env)


def fleet_deployment(fleet_name: str, templates_dir: Path | None = None, delete_site_stacks=(), site: bool = False,
                     **options):  # fmt: skip
    """What a fleet command works with: the fleet, the project, the administrator account's gateway (with
    ``site``, a site account's, from the shell's credentials), a console."""
    from generator.aws.accounts import for_fleet, for_fleet_site
    from generator.console import Console
    from generator.deploy.context import Options
    from generator.fleet import load_fleet
    from generator.fleet.deploy import FleetDeployment

    workspace = find_workspace(templates_dir)
    fleet = load_fleet(fleet_name, workspace.fleets, workspace.environments)
    _working_on.append(f"--fleet {fleet.name}")
    if site:
        from generator.fleet.bootstrap import has_execution_role

        has_execution_role(fleet)  # before any AWS call
    cloud = (for_fleet_site if site else for_fleet)(fleet)
    return FleetDeployment(fleet, workspace, cloud, Console(), Options(**options), tuple(delete_site_stacks))


def deployment(env_name: str, templates_dir: Path | None = None, **options):
    """What a deploy command works with: one environment, the project, the AWS gateway, a console."""
    from generator.console import Console
    from generator.deploy.commands import Deployment, Options

    workspace = find_workspace(templates_dir)
    (env,) = load_envs(workspace, [env_name])
    _working_on.append(f"--env {env.name}")
    return Deployment(env, workspace, cloud_for(env), Console(), Options(**options))

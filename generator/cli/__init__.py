"""The ``iotstack`` command: parse options, find the project, build the Cloud and Console, call one
library function, and turn the project's errors into a message and an exit code, here, in one place.

Exit codes: 0 success (or nothing to do), 1 failed (e.g. lint findings, a failed deploy), 2 bad
usage or input (unknown environment, invalid environment file, stale template, no credentials),
3 refused by the stateful guard, 4 deployed but the outputs file not written, 128 + the signal's
number when stopped by one (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP: every stop takes the one way out
of :func:`generator.errors.signals_raised`). ``iotstack diff`` reports like a plan:
2 and 3 mean changes there, so its errors exit 1 (:class:`~generator.cli.base.PlanCommand`), and so
do ``iotstack drift``'s, whose 2 means drift.

The commands live in :mod:`.review` (template, check, diff, lint, scan), :mod:`.deploy`
(deploy, execute, status, destroy, recover, drift) and :mod:`.prices` (the group ``prices``: refresh);
:mod:`.base` holds what they share. Each command
imports what it needs when it runs: ``template``, ``check``, ``diff`` and ``lint`` never import
boto3, and only the commands that lint import cfn-lint.
"""

from __future__ import annotations

import click

from generator import __version__
from generator.cli.base import Group

# Each command, and the function in this package that defines it: a command's module is imported
# only when that command runs (or help lists them all), so `template` loads none of deploy's.
COMMANDS = {
    "template": "review:template",
    "check": "review:check",
    "diff": "review:diff",
    "lint": "review:lint",
    "scan": "review:scan_command",
    "cost": "review:cost_command",
    "deploy": "deploy:deploy_command",
    "bootstrap": "deploy:bootstrap_command",
    "execute": "deploy:execute_command",
    "status": "deploy:status_command",
    "destroy": "deploy:destroy_command",
    "recover": "deploy:recover_command",
    "drift": "deploy:drift_command",
    "database-users": "database:database_users_command",
    "prices": "prices:prices_group",  # a group: `iotstack prices refresh`
}


@click.group(cls=Group, commands_by_name=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iotstack")
def main() -> None:
    """iotstack: CloudFormation for the industrial-IoT data platform.

    \b
    Exit codes: 0 success or nothing to do, 1 failed, 2 bad usage or input,
    3 refused by the stateful guard (a replacement or removal nobody allowed),
    4 deployed, but outputs/<env>.json not written (`status` writes it),
    130 Ctrl-C, 143 SIGTERM, 129 SIGHUP (what a run made and did not run is
    deleted first, a lifted stack policy restored).
    diff: 0 no changes, 2 changes, 3 a stateful resource replaced or removed, 1 error.
    drift: 0 in sync, 2 drifted, 1 error.
    Run it anywhere inside the project (the folder with setup.cfg).
    AWS_ENDPOINT_URL points every AWS call elsewhere (e.g. the local emulator of `make demo`).
    """

"""The fleet's side of ``deploy`` and ``bootstrap`` (``--fleet NAME``): thin calls of :mod:`generator.fleet.deploy`
and :mod:`generator.fleet.bootstrap` that print the plan, each site's end and the result."""

from __future__ import annotations

import shutil
import textwrap

from generator.console import echo, styled
from generator.errors import IotstackError
from generator.fleet.deploy import FleetDeployment
from generator.fleet.deploy import deploy_fleet as run_deploy
from generator.fleet.review import FleetPlan
from generator.review.formats import fleet as fleet_format
from generator.review.formats.words import headline


def deploy_fleet(d: FleetDeployment) -> None:
    """Deploy; exit 1 naming each site that failed, with AWS's reason."""
    from generator.review.plan_format import render_plan

    width, color = shutil.get_terminal_size((100, 24)).columns, styled()

    def show(fp: FleetPlan) -> None:
        if fp.template.resources and all(r.action == "add" for r in fp.template.resources):  # a new stack set
            said = (f"{fp.template.environment}: a new stack set: every site's stack is made of the template's "
                    f"{headline(fp.template)} (`iotstack diff --fleet {fp.fleet}` lists them)")  # fmt: skip
            echo("\n".join([*textwrap.wrap(said, max(width, 40), subsequent_indent="    "), ""]))
            echo(fleet_format.table_text(fp, max(width, 40)), nl=False)
            return
        echo(render_plan([], "table", width, color, fleets=[fp]), nl=False, color=color)

    result = run_deploy(d, show)
    if not result.operations:
        return
    ended = [r for _, results in result.operations for r in results]
    if result.failed:
        lines = [f"  {r.site} ({r.place}): {r.status}: {r.reason or 'no reason given'}" for r in result.failed]
        stopped = [f"  {result.stopped}"] if result.stopped else []
        raise IotstackError("\n".join([f"fleet {result.fleet}: {len(result.failed)} site(s) failed "
                                       f"(stack set {result.stack_set}):", *lines, *stopped,
                                       f"`iotstack status --fleet {result.fleet}` shows every site"]))  # fmt: skip
    echo(f"fleet {result.fleet}: deployed; {len(ended)} site operation(s) succeeded (stack set {result.stack_set})")


def bootstrap_fleet(d: FleetDeployment) -> None:
    """The bootstrap stack (the template bucket) and a self-managed stack set's administration role in the
    administrator account and the stack set's region; then what is left to do in the sites' accounts."""
    from generator.fleet.bootstrap import bootstrap_fleet as run_bootstrap

    result = run_bootstrap(d)
    if result.administration_stack is None:
        echo(f"fleet {result.fleet}: the stack set is {result.permission_model}: AWS Organizations holds its roles; "
             "none was made")  # fmt: skip
        return
    shown = d.workspace.show(result.execution_template)
    echo("\n".join([
        f"fleet {result.fleet}: the administration role is stack {result.administration_stack} ({result.region}).",
        f"The execution role goes in each site's account ({', '.join(result.accounts)}): {shown}.",
        "In each of them, with that account's credentials:",
        f"  {result.command}" if not result.parameters else f"  {result.aws_cli(shown)}",
        *([f"or, with the AWS CLI:\n  {result.aws_cli(shown)}"] if not result.parameters else []),
    ]))  # fmt: skip


def bootstrap_site(d: FleetDeployment) -> None:
    """The execution role in the account of the shell's credentials, one of the fleet's sites'."""
    from generator.fleet.bootstrap import bootstrap_execution_role

    stack = bootstrap_execution_role(d)
    echo(f"fleet {d.fleet.name}: the execution role is stack {stack} in account {d.cloud.account()}")

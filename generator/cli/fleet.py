"""The fleet's side of ``deploy`` and ``bootstrap`` (``--fleet NAME``): thin calls of :mod:`generator.fleet.deploy`
that print the plan, each site's end and the result."""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import replace

from generator.console import echo, styled
from generator.deploy.context import Deployment
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
            new = replace(fp, template=replace(fp.template, resources=(), outputs=(), template=()))
            said = (f"{fp.template.environment}: a new stack set: every site's stack is made of the template's "
                    f"{headline(fp.template)} (`iotstack diff --fleet {fp.fleet}` lists them)")  # fmt: skip
            echo("\n".join([*textwrap.wrap(said, max(width, 40), subsequent_indent="    "), ""]))
            echo(fleet_format.table_text(new, max(width, 40)), nl=False)
            return
        echo(render_plan([], "table", width, color, fleets=[fp]), nl=False, color=color)

    result = run_deploy(d, show)
    if not result.operations:
        return
    ended = [r for _, results in result.operations for r in results]
    if result.failed:
        lines = [f"  {r.site} ({r.place}): {r.status}: {r.reason or 'no reason given'}" for r in result.failed]
        raise IotstackError("\n".join([f"fleet {result.fleet}: {len(result.failed)} site(s) failed "
                                       f"(stack set {result.stack_set}):", *lines,
                                       f"`iotstack status --fleet {result.fleet}` shows every site"]))  # fmt: skip
    echo(f"fleet {result.fleet}: deployed; {len(ended)} site operation(s) succeeded (stack set {result.stack_set})")


def bootstrap_fleet(d: FleetDeployment) -> None:
    """The bootstrap stack (the template bucket) in the administrator account and the stack set's region."""
    from generator.deploy.commands import bootstrap

    result = bootstrap(Deployment(d.fleet.environment, d.workspace, d.cloud, d.console, d.options))
    if result.message:
        echo(result.message)

"""The fleet's side of ``deploy`` and ``bootstrap`` (``--fleet NAME``): thin calls of :mod:`generator.fleet.deploy`
that print the plan, each site's end and the result."""

from __future__ import annotations

import shutil

from generator.console import echo, styled
from generator.deploy.context import Deployment
from generator.errors import IotstackError
from generator.fleet.deploy import FleetDeployment
from generator.fleet.deploy import deploy_fleet as run_deploy


def deploy_fleet(d: FleetDeployment) -> None:
    """Deploy; exit 1 naming each site that failed, with AWS's reason."""
    from generator.review.plan_format import render_plan

    width, color = shutil.get_terminal_size((100, 24)).columns, styled()
    result = run_deploy(d, lambda fp: echo(render_plan([], "table", width, color, fleets=[fp]), nl=False, color=color))
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

    bootstrap(Deployment(d.fleet.environment, d.workspace, d.cloud, d.console, d.options))

"""``iotstack diff``: the plan of every environment and fleet against a baseline, in the format asked for.

:func:`plan_against_base` is the one route from "what the code generates now" and a base to the plans:
``diff`` prints them, ``check`` (:mod:`generator.review.check`) judges them.

The "after" side is what the code generates now (:func:`generator.generate.build`, the same route
as ``template`` and the gate); the "before" side comes from git or the deployed stack
(:mod:`generator.review.baseline`); :func:`generator.review.plan.plan` compares them and
:mod:`generator.review.plan_format` prints the result. With the deployed stack as the baseline,
CloudFormation is also asked which stacks import each export that changes (an export in use makes
the update fail).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from generator.config import Environment
from generator.cost.snapshot import Snapshots
from generator.fleet.review import FleetPlan, fleet_diff
from generator.fleet.settings import Fleet
from generator.fleet.template import build_fleet_template
from generator.generate import build
from generator.review.baseline import Baseline, default_base, from_deployed, from_git, target_of
from generator.review.durations import Durations, History
from generator.review.plan import Plan, plan
from generator.review.plan_format import render_plan
from generator.workspace import Workspace


@dataclass(frozen=True)
class Planned:
    """The plans of environments and fleets against one base: what ``diff`` prints and ``check`` judges."""

    shown: str  # the base as the reports name it
    baseline: Baseline
    environments: dict[str, Plan]
    fleets: dict[str, FleetPlan]


def plan_against_base(envs: Sequence[Environment], fleets: Sequence[Fleet], workspace: Workspace, base: str | None,
                      after: Callable[[str], dict], cloud_for: Callable | None = None,
                      costs: bool = True) -> Planned:  # fmt: skip
    """Every plan of ``envs`` and ``fleets``, each template now (``after(name)``: an environment's, or a fleet's
    ``fleet-<name>``) against git revision ``base`` (default: the merge base with the main branch,
    :func:`generator.review.baseline.default_base`), or against the deployed stacks with ``cloud_for`` (an
    environment's AWS gateway; fleets are planned against their deployed stack set by the deploy only).
    What this project's deploys measured weighs the forecasts, read once per region; with ``costs``, each
    environment's month before and after is priced at its Region's snapshot (``check`` judges without). Raises
    :class:`UsageError` when no plan can be made (no git, no such revision, a base that cannot be read)."""
    names = [env.name for env in envs]
    if cloud_for:
        shown, ref = "the deployed stacks", ""
        baseline = from_deployed(list(envs), cloud_for)
    else:
        ref, shown = (base, base) if base else default_base(workspace)
        baseline = from_git(ref, names, workspace, shown)
    durations = {r: Durations(History.load(workspace.durations, r)) for r in sorted({env.region for env in envs})}
    befores = {env.name: baseline.load(env.name) for env in envs}  # one GetTemplate each, with the deployed stacks
    snapshots = Snapshots(workspace.prices)
    plans = {env.name: replace(environment_plan(env, befores[env.name], after(env.name), baseline,
                                                durations[env.region]),
                               cost=cost_of(env, befores[env.name], after(env.name), snapshots) if costs else None)
             for env in envs}  # fmt: skip
    if cloud_for:
        plans = {name: with_importers(p, cloud_for(env).importers) for (name, p), env in zip(plans.items(), envs,
                                                                                              strict=True)}  # fmt: skip
    fleet_plans = {f.name: fleet_diff(f, after(f.template_name), ref, workspace, shown) for f in fleets}
    return Planned(shown, baseline, plans, fleet_plans)


def diff(
    envs: Sequence[Environment],
    workspace: Workspace,
    base: str | None,
    cloud_for: Callable | None,
    fmt: str,
    width: int = 100,
    color: bool = False,
    fleets: Sequence[Fleet] = (),
) -> tuple[str, int]:
    """The rendered plans (of ``envs``, then of ``fleets``) and the exit code of the most serious one."""
    built = {env.name: build(env, workspace).text for env in envs}

    def after(name: str) -> dict:
        return json.loads(built[name]) if name in built else build_fleet_template(by_template[name])

    by_template = {f.template_name: f for f in fleets}
    planned = plan_against_base(envs, fleets, workspace, base, after, cloud_for)
    pictures = {}
    if fmt == "markdown":
        for env in envs:
            if picture := change_picture_of(planned.environments[env.name], planned.baseline.load(env.name),
                                            after(env.name), env.region):  # fmt: skip
                pictures[env.name] = picture
    plans, fleet_plans = list(planned.environments.values()), list(planned.fleets.values())
    exit_code = max((p.exit_code for p in [*plans, *fleet_plans]), default=0)
    return render_plan(plans, fmt, width, color, pictures, fleet_plans), exit_code


def change_picture_of(p: Plan, before: dict | None, after: dict, region: str) -> str | None:
    """The Mermaid picture of what changes, when anything does."""
    if not p.resources:
        return None
    from generator.diagram import change_picture

    changed = {r.logical_id: "may_replace" if r.may_replace else r.action for r in p.resources}
    return change_picture(before, after, region, changed)


def environment_plan(env: Environment, before: dict | None, after: dict, baseline: Baseline,
                     durations: Durations | None = None) -> Plan:  # fmt: skip
    """The plan of one environment: ``before`` -> ``after``, with its deploy target and stack policy."""
    result = plan(before, after, env.region, env.name, baseline.label(env.name), target_of(env),
                  baseline.target(env.name), durations)  # fmt: skip
    return replace(result, stack_policy=env.deploy.stack_policy)


def cost_of(env: Environment, before: dict | None, after: dict, snapshots: Snapshots):
    """The month of ``env`` before and after, both under its ``[usage]`` now (so the difference is the change's
    own), at its Region's snapshot of AWS's prices (none: the quantities only)."""
    from generator.cost.estimate import CostChange, estimate

    snapshot, problem = snapshots(env.region)
    return CostChange(estimate(env.name, env.region, before, env.usage, snapshot, problem) if before else None,
                      estimate(env.name, env.region, after, env.usage, snapshot, problem))  # fmt: skip


def with_importers(p: Plan, importers: Callable[[str], list[str]]) -> Plan:
    """``p`` with the stacks that import each export whose value changes (``importers(export name)``)."""
    outputs = tuple(replace(o, importers=tuple(sorted(importers(o.export)))) if o.export and o.value_changes else o
                    for o in p.outputs)  # fmt: skip
    return replace(p, outputs=outputs)

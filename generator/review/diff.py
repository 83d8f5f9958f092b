"""``iotstack diff``: the plan of every environment against a baseline, in the format asked for.

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
from dataclasses import replace

from generator.config import Environment
from generator.fleet.review import fleet_diff
from generator.fleet.settings import Fleet
from generator.fleet.template import build_fleet_template
from generator.generate import build
from generator.review.baseline import Baseline, default_base, from_deployed, from_git, target_of
from generator.review.durations import Durations, History
from generator.review.plan import Plan, plan
from generator.review.plan_format import render_plan
from generator.workspace import Workspace


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
    """The rendered plans (of ``envs``, then of ``fleets``) and the exit code of the most serious one.

    ``cloud_for`` (an environment's AWS gateway) compares with the deployed stacks; else git revision ``base``
    (default: the merge base with the main branch, :func:`generator.review.baseline.default_base`).
    """
    names = [env.name for env in envs]
    if cloud_for:
        baseline = from_deployed(list(envs), cloud_for)
    else:
        ref, shown = (base, base) if base else default_base(workspace)
        baseline = from_git(ref, names, workspace, shown)
    fleet_plans = [fleet_diff(f, build_fleet_template(f), ref, workspace, shown) for f in fleets]
    plans, pictures = [], {}
    # What this project's deploys measured, one file per region (read once: environments share regions).
    durations = {r: Durations(History.load(workspace.durations, r)) for r in sorted({env.region for env in envs})}
    for env in envs:
        p, picture = review(env, baseline.load(env.name), json.loads(build(env, workspace).text), baseline,
                            cloud_for, picture=fmt == "markdown", durations=durations[env.region])  # fmt: skip
        plans.append(p)
        if picture:
            pictures[env.name] = picture
    exit_code = max((p.exit_code for p in [*plans, *fleet_plans]), default=0)
    return render_plan(plans, fmt, width, color, pictures, fleet_plans), exit_code


def review(env: Environment, before: dict | None, after: dict, baseline: Baseline, cloud_for: Callable | None = None,
           picture: bool = False, durations: Durations | None = None) -> tuple[Plan, str | None]:  # fmt: skip
    """One environment's plan (asking CloudFormation about importers of changed exports when
    ``cloud_for`` is given) and, if asked and anything changes, the Mermaid picture of the change."""
    p = environment_plan(env, before, after, baseline, durations)
    if cloud_for:
        p = with_importers(p, cloud_for(env).importers)
    if not (picture and p.resources):
        return p, None
    from generator.diagram import change_picture

    changed = {r.logical_id: "may_replace" if r.may_replace else r.action for r in p.resources}
    return p, change_picture(before, after, env.region, changed)


def environment_plan(env: Environment, before: dict | None, after: dict, baseline: Baseline,
                     durations: Durations | None = None) -> Plan:  # fmt: skip
    """The plan of one environment: ``before`` -> ``after``, with its deploy target and stack policy."""
    result = plan(before, after, env.region, env.name, baseline.label(env.name), target_of(env),
                  baseline.target(env.name), durations)  # fmt: skip
    return replace(result, stack_policy=env.deploy.stack_policy)


def with_importers(p: Plan, importers: Callable[[str], list[str]]) -> Plan:
    """``p`` with the stacks that import each export whose value changes (``importers(export name)``)."""
    outputs = tuple(replace(o, importers=tuple(sorted(importers(o.export)))) if o.export and o.value_changes else o
                    for o in p.outputs)  # fmt: skip
    return replace(p, outputs=outputs)

"""``iotstack diff``: the plan of every environment against a baseline, in the format asked for.

The "after" side is what the code generates now (:func:`generator.generate.build`, the same route
as ``template`` and the gate); the "before" side comes from git or the deployed stack
(:mod:`generator.review.baseline`); :func:`generator.review.plan.plan` compares them and
:mod:`generator.review.plan_format` prints the result.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from generator.config import Environment
from generator.generate import build
from generator.review.baseline import from_deployed, from_git, target_of
from generator.review.plan import plan
from generator.review.plan_format import render_plan
from generator.workspace import Workspace


def diff(
    envs: Sequence[Environment], workspace: Workspace, base: str | None, cloud_for: Callable | None, fmt: str
) -> tuple[str, int]:
    """The rendered plans and the exit code of the most serious one.

    ``cloud_for`` (an environment's AWS gateway) compares with the deployed stacks; else git
    revision ``base`` (default ``HEAD``).
    """
    names = [env.name for env in envs]
    baseline = from_deployed(list(envs), cloud_for) if cloud_for else from_git(base or "HEAD", names, workspace)
    plans = [plan(baseline.load(env.name), json.loads(build(env, workspace).text), env.region, env.name,
                  baseline.label(env.name), target_of(env), baseline.target(env.name)) for env in envs]  # fmt: skip
    return render_plan(plans, fmt), max((p.exit_code for p in plans), default=0)
